"""`omniloop scheduler`: enqueue the registered periodic jobs when they are due (ADR 11).

Run one next to the task workers (`omniloop db_worker`, or RQ workers); running several is safe,
each run is enqueued once. `--once` ticks once and exits (for cron or a test), `--list` shows the
jobs and when each runs next."""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from omniloop.core.scheduler import periodic_job_list, scheduler_tick


class Command(BaseCommand):
    help = "Enqueue periodic jobs (flash-sale releases, group-buy settling, ...) when they are due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Tick once and exit.")
        parser.add_argument("--list", action="store_true", help="List the jobs and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds between ticks (default 5): how late a due job may start.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self._list()
        elif options["once"]:
            self._tick()
        else:
            self._loop(max(float(options["interval"]), 0.1))

    def _list(self) -> None:
        for spec, row in periodic_job_list():
            when = row.next_run_at.isoformat() if row else "at the first tick"
            self.stdout.write(f"{spec.name}  every {spec.every}  next {when}  ({spec.task.name})")

    def _tick(self) -> None:
        for run in scheduler_tick():
            self.stdout.write(f"Enqueued {run.name} (task {run.task_id}), next {run.next_run_at}")

    def _loop(self, interval: float) -> None:
        stop = threading.Event()

        def on_signal(signum: int, frame: FrameType | None) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.stdout.write(f"Scheduler started: ticking every {interval:g}s (Ctrl-C stops).")
        while not stop.is_set():
            close_old_connections()
            try:
                self._tick()
            except Exception as exc:  # the database may be away for a moment: tick again later
                self.stderr.write(f"Scheduler tick failed: {exc}")
            close_old_connections()
            stop.wait(interval)
        self.stdout.write("Scheduler stopped.")
