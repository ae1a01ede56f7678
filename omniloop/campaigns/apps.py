from datetime import timedelta

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "omniloop.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from omniloop.campaigns import tasks
        from omniloop.core.periodic import register_periodic_job

        register_periodic_job(
            "campaigns_due", every=timedelta(minutes=5), task=tasks.campaigns_due_task
        )
