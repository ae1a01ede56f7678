from datetime import timedelta

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "omniloop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.core.tasks import housekeeping

        # Expired idempotency keys and rate-limit windows.
        register_periodic_job("core_housekeeping", every=timedelta(hours=1), task=housekeeping)
