from datetime import timedelta

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omniloop.inventory"
    label = "inventory"
    verbose_name = "Inventory"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.inventory.tasks import stock_release_expired_task

        register_periodic_job(
            "stock_release_expired", every=timedelta(minutes=1), task=stock_release_expired_task
        )
