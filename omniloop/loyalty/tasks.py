"""Background task for points: the expiry sweep (`omniloop scheduler` enqueues it hourly)."""

from __future__ import annotations

from django_tasks import task

from omniloop.loyalty.expiry import points_expire


@task(queue_name="default")
def points_expire_task() -> int:
    return points_expire()


@task(queue_name="default")
def tiers_review_task() -> int:
    from omniloop.loyalty.tiers import tiers_review

    return tiers_review()
