"""Schedulers racing on PostgreSQL: ticks on separate connections enqueue each run once."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from omniloop.core import periodic, scheduler
from omniloop.core.models import PeriodicJob
from omniloop.core.periodic import register_periodic_job
from omniloop.core.scheduler import scheduler_tick
from tests.concurrency.helpers import run_at_once
from tests.core.scheduled_tasks import other_probe, probe

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

T0 = datetime.fromisoformat("2026-03-01T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _jobs(monkeypatch, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    monkeypatch.setattr(periodic, "_jobs", {})
    register_periodic_job("probe", every=timedelta(minutes=1), task=probe)
    register_periodic_job("other_probe", every=timedelta(minutes=5), task=other_probe)


def _enqueued() -> dict[str, int]:
    return {
        t.module_path: DBTaskResult.objects.filter(task_path=t.module_path).count()
        for t in (probe, other_probe)
    }


def test_two_ticks_that_both_saw_the_job_due_enqueue_it_once(monkeypatch):
    """Both schedulers read the rows (creating them at the same moment, too) before either
    claims: only the conditional UPDATE stands between them and a double run."""
    both_read = threading.Barrier(2)
    read_rows = scheduler._rows

    def rows_then_wait(jobs, now):
        rows = read_rows(jobs, now)
        both_read.wait(timeout=30)
        return rows

    monkeypatch.setattr(scheduler, "_rows", rows_then_wait)
    results = run_at_once(2, lambda i: scheduler_tick(at=T0))
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(len(r) for r in results) == 2
    assert _enqueued() == {probe.module_path: 1, other_probe.module_path: 1}
    row = PeriodicJob.objects.get(name="probe")
    assert (row.runs, row.next_run_at) == (1, T0 + timedelta(minutes=1))
    winner = next(run for r in results for run in r if run.name == "probe")
    assert row.last_enqueued_task == winner.task_id


def test_ten_schedulers_released_at_once_enqueue_each_run_once():
    scheduler_tick(at=T0)  # rows exist, both jobs ran once
    later = T0 + timedelta(minutes=5)  # both are due again
    results = run_at_once(10, lambda i: scheduler_tick(at=later))
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(len(r) for r in results) == 2
    assert _enqueued() == {probe.module_path: 2, other_probe.module_path: 2}
    assert list(PeriodicJob.objects.order_by("name").values_list("name", "runs")) == [
        ("other_probe", 2),
        ("probe", 2),
    ]
