from datetime import timedelta

from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "omniloop.campaigns"
    label = "campaigns"
    verbose_name = "Campaigns"

    def ready(self) -> None:
        from omniloop.campaigns import tasks, templates  # noqa: F401 (registers templates)
        from omniloop.campaigns.schedules import on_order_paid
        from omniloop.core.periodic import register_periodic_job
        from omniloop.orders.events import register_order_listener

        register_periodic_job(
            "campaigns_due", every=timedelta(minutes=5), task=tasks.campaigns_due_task
        )
        register_periodic_job(
            "journeys_advance", every=timedelta(minutes=1), task=tasks.journeys_advance_task
        )
        register_order_listener("campaigns.first_purchase", paid=on_order_paid)

        from omniloop.campaigns.member_data import campaigns_export, campaigns_merge
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler

        register_merge_handler("campaigns", campaigns_merge)
        register_privacy_handler("campaigns", export=campaigns_export)
