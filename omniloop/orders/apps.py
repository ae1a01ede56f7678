from datetime import timedelta

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omniloop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        from omniloop.core.periodic import register_periodic_job
        from omniloop.members.merge import register_merge_handler
        from omniloop.members.privacy import register_privacy_handler
        from omniloop.orders.cart import merge_carts
        from omniloop.orders.privacy import orders_erase, orders_export
        from omniloop.orders.services import merge_orders
        from omniloop.orders.tasks import (
            orders_erase_sweep_task,
            orders_expire_unpaid_task,
            pickup_release_no_shows_task,
            refunds_resubmit_task,
        )

        register_merge_handler("orders", merge_orders)
        # An order event whose worker was killed mid-run is run again (its listeners are
        # idempotent, ADR 29) after two minutes.
        from omniloop.core.tasks import register_requeue_safe
        from omniloop.orders.tasks import order_event_task

        register_requeue_safe(order_event_task, after=timedelta(minutes=2))
        register_privacy_handler("orders", export=orders_export, erase=orders_erase)
        register_merge_handler("carts", merge_carts)
        # Online orders left unpaid are cancelled and give their coupons back.
        register_periodic_job(
            "orders_expire_unpaid", every=timedelta(minutes=1), task=orders_expire_unpaid_task
        )
        # Ready pickups not collected by the end of their hold are refunded, their stock freed.
        register_periodic_job(
            "pickup_release_no_shows", every=timedelta(hours=1), task=pickup_release_no_shows_task
        )
        # Addresses of erased members' orders that were still on their way at the erasure.
        register_periodic_job(
            "orders_erase_sweep", every=timedelta(days=1), task=orders_erase_sweep_task
        )
        # Provider refunds still pending (a lost task, a provider down) are asked for again.
        register_periodic_job(
            "refunds_resubmit", every=timedelta(minutes=5), task=refunds_resubmit_task
        )
