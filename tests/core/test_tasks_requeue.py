"""A requeue-safe task whose worker died mid-run (its row left RUNNING) is put back to READY
once it has run longer than its limit; others, and fresh ones, are left alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from omniloop.core import clock
from omniloop.core.tasks import housekeeping, tasks_requeue_stale
from omniloop.orders.tasks import order_event_task

pytestmark = pytest.mark.django_db
DB = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DB)
def test_a_stale_running_order_event_is_requeued_once():
    event = order_event_task.enqueue("paid", {"order_id": 1})
    other = housekeeping.enqueue()
    started = clock.now() - timedelta(minutes=3)
    DBTaskResult.objects.filter(id__in=[event.id, other.id]).update(
        status="RUNNING", started_at=started, worker_ids=["killed"]
    )
    assert tasks_requeue_stale(at=started + timedelta(minutes=1)) == 0  # still within its limit
    assert tasks_requeue_stale() == 1
    assert DBTaskResult.objects.get(id=event.id).status == "READY"
    assert DBTaskResult.objects.get(id=other.id).status == "RUNNING"  # not declared safe
    assert tasks_requeue_stale() == 0


def test_other_backends_are_left_alone():
    assert tasks_requeue_stale() == 0
