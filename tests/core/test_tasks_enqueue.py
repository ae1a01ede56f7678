"""`enqueue_with_cause` on the database backend writes the task row with one fixed INSERT: the
same row `Task.enqueue` writes (every column but the id and the enqueue time), validated as the
backend validates, announced by `task_enqueued`, gone with a rolled-back cause, and run by the
real worker."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import transaction
from django.test import override_settings
from django_tasks import task
from django_tasks.exceptions import InvalidTaskError
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from omniloop.core.tasks import enqueue_with_cause, housekeeping
from omniloop.orders.tasks import order_event_task

pytestmark = pytest.mark.django_db
DB = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
SKIP = {"id", "enqueued_at"}


def _columns(row: DBTaskResult) -> dict[str, object]:
    return {
        f.attname: getattr(row, f.attname)
        for f in DBTaskResult._meta.concrete_fields
        if f.attname not in SKIP
    }


@override_settings(TASKS=DB)
def test_the_row_is_the_one_enqueue_writes():
    args = ("paid", {"order_id": 7, "at": "2026-12-03T12:00:00+08:00", "lines": [1, 2]})
    reference = order_event_task.enqueue(*args)
    enqueue_with_cause(order_event_task, *args)
    theirs = DBTaskResult.objects.get(id=reference.id)
    ours = DBTaskResult.objects.exclude(id=reference.id).get()
    assert _columns(ours) == _columns(theirs)
    assert ours.run_after == datetime(9999, 1, 1, tzinfo=UTC)  # unset: the backend's far date
    assert ours.return_value is None and ours.worker_ids == []
    assert abs((ours.enqueued_at - theirs.enqueued_at).total_seconds()) < 60
    assert str(ours.id) != str(theirs.id)


@override_settings(TASKS=DB)
def test_priority_queue_and_run_after_are_the_tasks():
    later = datetime(2026, 12, 24, 2, 0, tzinfo=UTC)
    special = housekeeping.using(priority=-5, queue_name="default", run_after=later)
    reference = special.enqueue()
    enqueue_with_cause(special)
    theirs = DBTaskResult.objects.get(id=reference.id)
    ours = DBTaskResult.objects.exclude(id=reference.id).get()
    assert _columns(ours) == _columns(theirs)
    assert (ours.priority, ours.run_after) == (-5, later)


@override_settings(TASKS=DB)
def test_the_signal_is_sent_with_the_rows_result():
    seen = []

    def listener(sender, task_result, **kwargs):
        seen.append((task_result.id, task_result.task.module_path, task_result.args))

    task_enqueued.connect(listener)
    try:
        enqueue_with_cause(order_event_task, "paid", {"order_id": 1})
    finally:
        task_enqueued.disconnect(listener)
    row = DBTaskResult.objects.get()
    assert seen == [(str(row.id), order_event_task.module_path, ["paid", {"order_id": 1}])]


@task(priority=10)
def _not_module_level_elsewhere() -> None:  # pragma: no cover - never run
    pass


@override_settings(TASKS=DB)
def test_an_invalid_task_is_refused_as_the_backend_refuses_it():
    wrong = _not_module_level_elsewhere.using(priority=10)
    object.__setattr__(wrong, "priority", 1000)  # out of range, past `using`'s own check
    with pytest.raises(InvalidTaskError):
        wrong.enqueue()
    with pytest.raises(InvalidTaskError):
        enqueue_with_cause(wrong)
    assert not DBTaskResult.objects.exists()


@override_settings(TASKS=DB)
def test_a_rolled_back_cause_leaves_no_row_and_a_committed_one_runs(monkeypatch):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_with_cause(housekeeping)
        raise RuntimeError("the cause failed")
    assert not DBTaskResult.objects.exists()
    enqueue_with_cause(housekeeping)
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, interval=0, verbosity=0)
    done = DBTaskResult.objects.get()
    assert done.status == "SUCCESSFUL"
    assert done.return_value == {"idempotency_keys": 0, "rate_limit_windows": 0}
