"""Background task for coupons: release checkout holds that lapsed (schedule it every few
minutes; `omniloop coupons_release_expired` does the same from cron)."""

from __future__ import annotations

from django_tasks import task

from omniloop.promotions.coupons import coupons_release_expired


@task(queue_name="default")
def coupons_release_expired_task() -> int:
    return coupons_release_expired()
