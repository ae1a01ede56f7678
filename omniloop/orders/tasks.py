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


@task(queue_name="default")
def refund_submit_task(payment_id: int) -> str:
    from omniloop.orders.payments.refunds import refund_submit

    return refund_submit(payment_id=payment_id)


@task(queue_name="default")
def refunds_resubmit_task() -> int:
    from omniloop.orders.payments.refunds import refunds_resubmit

    return refunds_resubmit()
