"""Background tasks: the daily feature rebuild and the hourly refresh of due segments."""

from __future__ import annotations

from django_tasks import task

from omniloop.insights.features import features_rebuild
from omniloop.insights.services import segments_refresh_due


@task(queue_name="default")
def features_rebuild_task() -> int:
    return features_rebuild()


@task(queue_name="default")
def segments_refresh_task() -> int:
    return segments_refresh_due()
