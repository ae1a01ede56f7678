"""Background task for settlement: the backfill (`omniloop scheduler` enqueues it every 15
minutes), so an order whose paid hook was never wired is still settled."""

from __future__ import annotations

from django_tasks import task

from omniloop.settlement.services import settlement_backfill


@task(queue_name="default")
def settlement_backfill_task() -> int:
    return settlement_backfill().recorded
