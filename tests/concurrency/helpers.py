from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_at_once(n: int, fn: Callable[[int], Any]) -> list[Any]:
    """Run fn(i) in n threads released together by a barrier, each on its own database
    connection (the single-packet-attack shape). Returns results or raised exceptions."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = fn(i)
        except BaseException as exc:
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results
