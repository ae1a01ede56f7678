from datetime import timedelta

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "omniloop.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.core.tasks import housekeeping, tasks_requeue_stale_task

        # Expired idempotency keys and rate-limit windows.
        register_periodic_job("core_housekeeping", every=timedelta(hours=1), task=housekeeping)
        # Requeue-safe tasks whose worker died mid-run (SIGKILL): run them again.
        register_periodic_job(
            "tasks_requeue_stale", every=timedelta(minutes=1), task=tasks_requeue_stale_task
        )
