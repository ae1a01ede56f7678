"""Tasks for the scheduler tests (tasks must live at module level to be enqueued)."""

from __future__ import annotations

from django_tasks import task

RUNS: list[str] = []


@task()
def probe() -> int:
    RUNS.append("probe")
    return len(RUNS)


@task()
def other_probe() -> int:
    RUNS.append("other")
    return len(RUNS)
