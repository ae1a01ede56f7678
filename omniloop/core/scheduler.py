"""The scheduler behind `omniloop scheduler`: enqueue every registered periodic job that is due.

Invariant: a run is enqueued once, however many schedulers tick at the same moment. Each due job
is claimed by one conditional UPDATE (`WHERE runs = <as read> AND next_run_at <= now`) that
moves `next_run_at` on; only the scheduler whose UPDATE matched enqueues, in the same
transaction. Under PostgreSQL's READ COMMITTED a second scheduler's UPDATE waits for the first
to commit, re-reads the row and matches nothing; SQLite serialises the writers outright.

With the database task backend the claim and the task row commit together (a transactional
outbox, ADR 6): a run is enqueued exactly once, or not at all if the tick fails. With RQ the
enqueue reaches Redis before the claim commits, so a commit that fails after it can leave one
extra run; every job is an idempotent sweep, so that is harmless (ADR 11).

Runs missed while no scheduler was up collapse into one: the next run stays on the job's grid
(`next_run_at` + k * every), never a burst of catch-up runs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F

from omniloop.core import clock
from omniloop.core.models import PeriodicJob
from omniloop.core.periodic import PeriodicJobSpec, periodic_jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EnqueuedRun:
    name: str
    task_id: str
    due_at: datetime
    next_run_at: datetime


def next_run_after(*, due_at: datetime, spec: PeriodicJobSpec, now: datetime) -> datetime:
    """The first time on the job's grid (`due_at` + k * every, k >= 1) after `now`."""
    missed = max((now - due_at) // spec.every, 0)
    return due_at + (missed + 1) * spec.every


def _rows(jobs: dict[str, PeriodicJobSpec], now: datetime) -> list[PeriodicJob]:
    """One row per registered job: a new job is due at once; a job whose interval was shortened
    is due no later than one new interval from now."""
    rows = {r.name: r for r in PeriodicJob.objects.filter(name__in=jobs)}
    missing = [name for name in jobs if name not in rows]
    if missing:
        PeriodicJob.objects.bulk_create(
            [PeriodicJob(name=name, next_run_at=now) for name in missing], ignore_conflicts=True
        )
        rows = {r.name: r for r in PeriodicJob.objects.filter(name__in=jobs)}
    for row in rows.values():
        latest = now + jobs[row.name].every
        if row.next_run_at > latest:
            PeriodicJob.objects.filter(pk=row.pk, next_run_at__gt=latest).update(next_run_at=latest)
            row.next_run_at = latest
    return sorted(rows.values(), key=lambda r: (r.next_run_at, r.name))


def _claim_and_enqueue(
    spec: PeriodicJobSpec, row: PeriodicJob, now: datetime
) -> EnqueuedRun | None:
    next_at = next_run_after(due_at=row.next_run_at, spec=spec, now=now)
    with transaction.atomic():
        claimed = PeriodicJob.objects.filter(pk=row.pk, runs=row.runs, next_run_at__lte=now).update(
            next_run_at=next_at, last_run_at=now, runs=F("runs") + 1
        )
        if not claimed:
            return None  # another scheduler took this run
        result = spec.task.enqueue()
        task_id = str(result.id)
        PeriodicJob.objects.filter(pk=row.pk).update(last_enqueued_task=task_id[:64])
    return EnqueuedRun(name=spec.name, task_id=task_id, due_at=row.next_run_at, next_run_at=next_at)


def scheduler_tick(*, at: datetime | None = None) -> list[EnqueuedRun]:
    """Enqueue every registered job that is due at `at` (default now); returns what this tick
    enqueued. A job whose enqueue fails is logged and left due (its claim rolls back); the
    others still run."""
    now = at or clock.now()
    jobs = periodic_jobs()
    if not jobs:
        return []
    enqueued: list[EnqueuedRun] = []
    for row in _rows(jobs, now):
        if row.next_run_at > now:
            continue
        try:
            run = _claim_and_enqueue(jobs[row.name], row, now)
        except Exception:
            log.exception("periodic job %s: enqueue failed; it stays due", row.name)
            continue
        if run is not None:
            log.info("periodic job %s: enqueued task %s", run.name, run.task_id)
            enqueued.append(run)
    return enqueued


def periodic_job_list() -> list[tuple[PeriodicJobSpec, PeriodicJob | None]]:
    """Every registered job with its schedule row (None until a scheduler has ticked)."""
    jobs = periodic_jobs()
    rows = {r.name: r for r in PeriodicJob.objects.filter(name__in=jobs)}
    return [(jobs[name], rows.get(name)) for name in sorted(jobs)]
