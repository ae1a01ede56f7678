from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connections

from omniloop.core.errors import ApplicationError


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


def outcomes(results: list[Any], ok: Callable[[Any], str] = lambda _: "ok") -> Counter[str]:
    """`ok(result)` ('ok' unless told) or the error code per thread; anything else (a 500 in
    waiting) fails the test."""
    out: Counter[str] = Counter()
    for r in results:
        if isinstance(r, ApplicationError):
            out[r.code] += 1
        elif isinstance(r, BaseException):
            raise AssertionError(f"unexpected {type(r).__name__}: {r}") from r
        else:
            out[ok(r)] += 1
    return out
