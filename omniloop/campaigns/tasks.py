"""Background tasks: the periodic campaign jobs and one fan-out worker."""

from __future__ import annotations

from django_tasks import task

from omniloop.campaigns.report import campaigns_due
from omniloop.campaigns.services import campaign_fanout


@task(queue_name="default")
def campaigns_due_task() -> dict[str, int]:
    return campaigns_due()


@task(queue_name="default")
def campaign_fanout_task(campaign_id: int) -> int:
    return campaign_fanout(campaign_id=campaign_id)


@task(queue_name="default")
def journeys_advance_task() -> int:
    from omniloop.campaigns.journeys import journeys_advance

    return journeys_advance()
