"""Background task for stock: the expiry sweep (`omniloop scheduler` enqueues it every minute)."""

from __future__ import annotations

from django_tasks import task

from omniloop.inventory.reservations import stock_release_expired


@task(queue_name="default")
def stock_release_expired_task() -> int:
    return stock_release_expired()
