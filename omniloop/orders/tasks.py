"""Background task for online orders: cancel those left unpaid (`omniloop scheduler` enqueues
it every minute, ADR 11)."""

from __future__ import annotations

from django_tasks import task

from omniloop.orders.online_settle import online_orders_expire


@task(queue_name="default")
def orders_expire_unpaid_task() -> int:
    return online_orders_expire()


@task(queue_name="default")
def pickup_release_no_shows_task() -> int:
    from omniloop.orders.pickup import pickup_release_no_shows

    return pickup_release_no_shows()


@task(queue_name="default", priority=5)
def order_event_task(kind: str, payload: dict[str, str | int]) -> list[str]:
    """The listeners of one order event, after the order committed (orders.events)."""
    from omniloop.orders.events import order_event_dispatch

    return order_event_dispatch(kind, payload)


@task(queue_name="default")
def orders_erase_sweep_task() -> int:
    from omniloop.orders.privacy import orders_erase_sweep

    return orders_erase_sweep()
