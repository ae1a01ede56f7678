"""gunicorn config for the crash test's real run: while a worker handles a request it holds a
file named by its pid in `OMNILOOP_CRASH_INFLIGHT`, so the harness can aim part of its kills
at requests in flight. On a loaded machine a kill at a random moment mostly finds a worker
still loading the app (it was itself forked after the last kill), which tests little. The
hooks only mark; the app runs unchanged. Used only by tests/crash/test_sigkill_stack.py.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def _mark() -> Path:
    return Path(os.environ["OMNILOOP_CRASH_INFLIGHT"]) / str(os.getpid())


def pre_request(worker: Any, req: Any) -> None:
    _mark().touch()


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    _mark().unlink(missing_ok=True)
