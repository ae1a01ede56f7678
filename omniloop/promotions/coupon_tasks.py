"""Background task for coupons: release checkout holds that lapsed (`omniloop scheduler` enqueues
it every 5 minutes, ADR 11; `omniloop coupons_release_expired` does the same by hand)."""

from __future__ import annotations

from django_tasks import task

from omniloop.promotions.coupons import coupons_release_expired


@task(queue_name="default")
def coupons_release_expired_task() -> int:
    return coupons_release_expired()
