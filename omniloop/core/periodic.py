"""Periodic jobs: what must run on a schedule, declared by the apps that own the work.

django-tasks runs tasks but schedules none. An app declares a job in its AppConfig.ready()
(`register_periodic_job("flash_release_expired", every=timedelta(minutes=1), task=...)`);
`omniloop scheduler` (`core.scheduler`) enqueues each job's task when it is due, once per run
however many schedulers are running (ADR 11). The registry is explicit and small on purpose:
names are stable (they key the `PeriodicJob` row that remembers the schedule), and a task takes
no arguments (the job works out what is due itself, so an extra or a missed run is harmless)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django_tasks.base import Task

_NAME = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class PeriodicJobSpec:
    name: str
    every: timedelta
    task: Task[[], Any]


_jobs: dict[str, PeriodicJobSpec] = {}


def register_periodic_job(name: str, *, every: timedelta, task: Task[[], Any]) -> None:
    """Declare that `task` (no arguments) is enqueued every `every`, under the stable `name`.
    Registering the same name twice with the same task is a no-op; with another task it is a
    configuration error (two apps would share one schedule)."""
    if not _NAME.match(name):
        raise ImproperlyConfigured(f"Periodic job name {name!r}: lower-case, 1-64 characters.")
    if every < timedelta(seconds=1):
        raise ImproperlyConfigured(f"Periodic job {name!r} must run at most once a second.")
    known = _jobs.get(name)
    if known is not None and known.task.module_path != task.module_path:
        raise ImproperlyConfigured(
            f"Periodic job {name!r} is already registered for {known.task.module_path}."
        )
    _jobs[name] = PeriodicJobSpec(name=name, every=every, task=task)


def periodic_jobs() -> dict[str, PeriodicJobSpec]:
    return dict(_jobs)
