"""gunicorn config for the crash test's deliberately broken variant (issue 10: show the harness
failing). After each worker has loaded the app, `enqueue_with_cause` is replaced by the classic
dual write: the order's event task is enqueued after the sale commits, a moment later (a slow
broker, say), in its own transaction, instead of in the sale's transaction (ADR 6, ADR 29). A
worker killed in between has acknowledged (and stored the answer to) a sale whose event never
exists, so settlement never hears of it; the harness must notice.

While a worker is in that window it holds a file named by its pid in `OMNILOOP_CRASH_WINDOWS`,
so that the harness can aim some of its kills there rather than wait for luck on a loaded
machine. Used only by tests/crash/test_sigkill_stack.py.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

DELAY_SECONDS = 1.0


def post_worker_init(worker: Any) -> None:
    from django.db import transaction

    from omniloop.core import tasks

    windows = Path(os.environ["OMNILOOP_CRASH_WINDOWS"])

    def enqueue_after_commit(task_: Any, *args: Any) -> None:
        def later() -> None:
            mark = windows / str(os.getpid())
            mark.touch()
            time.sleep(DELAY_SECONDS)
            mark.unlink(missing_ok=True)
            task_.enqueue(*args)

        transaction.on_commit(later)

    tasks.enqueue_with_cause = enqueue_after_commit
