from datetime import timedelta

from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "omniloop.settlement"
    label = "settlement"
    verbose_name = "Settlement"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.orders.events import register_order_listener
        from omniloop.settlement.listeners import settle_paid, settle_refund
        from omniloop.settlement.tasks import settlement_backfill_task

        register_periodic_job(
            "settlement_backfill", every=timedelta(minutes=15), task=settlement_backfill_task
        )
        register_order_listener("settlement", paid=settle_paid, refunded=settle_refund)
