"""A small closed-loop HTTP/1.1 load generator: N connections on one asyncio event loop.

Each connection sends its next request as soon as the previous answer is read (like pgbench's
clients), until the deadline or the request budget runs out. A connection is kept alive while
the server allows it (granian does); the gunicorn sync worker answers `Connection: close`, so
the client closes its side at once (the worker waits for that FIN before taking the next
request) and reconnects.
One thread and no http.client keeps the generator's own cost per request small and keeps
threads from queueing on the GIL between a response and the close. Loopback only.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

# (method, path, body, headers) of the i-th request of connection c
MakeRequest = Callable[[int, int], tuple[str, str, bytes, dict[str, str]]]
# Whether a response (status, lower-cased headers, body) is the expected one
Check = Callable[[int, dict[str, str], bytes], bool]

LOOPBACK = ("127.0.0.1", "localhost", "::1")
TIMEOUT_S = 30


@dataclass
class LoadResult:
    ok: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    elapsed_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0

    @property
    def rate(self) -> float:
        return self.ok / self.elapsed_s if self.elapsed_s else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = min(len(ordered), max(1, math.ceil(q / 100 * len(ordered))))
    return ordered[rank - 1]


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, dict[str, str], bytes]:
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionResetError("server closed the connection")
    status = int(status_line.split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
        headers["connection"] = "close"
    return status, headers, body


async def _connection(
    c: int, host: str, port: int, make: MakeRequest, check: Check, deadline: float,
    budget: Iterator[int], max_requests: int, result: LoadResult,
) -> None:  # fmt: skip
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    for i in itertools.count():
        if time.perf_counter() >= deadline or next(budget) >= max_requests:
            break
        method, path, body, headers = make(c, i)
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        lines += [f"Content-Length: {len(body)}", "", ""]
        request = "\r\n".join(lines).encode("latin-1") + body
        t0 = time.perf_counter()
        try:
            async with asyncio.timeout(TIMEOUT_S):
                if writer is None:
                    reader, writer = await asyncio.open_connection(host, port)
                assert reader is not None
                status, response_headers, body = await _exchange(reader, writer, request)
        except (OSError, ValueError, IndexError, TimeoutError, asyncio.IncompleteReadError) as e:
            result.failed[type(e).__name__] += 1
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        result.latencies_ms.append((time.perf_counter() - t0) * 1000)
        if check(status, response_headers, body):
            result.ok += 1
        else:
            result.failed[f"HTTP {status}"] += 1
        if response_headers.get("connection", "").lower() == "close":
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


def run(
    *,
    host: str,
    port: int,
    make_request: MakeRequest,
    check: Check,
    clients: int,
    duration_s: float,
    max_requests: int = 1_000_000,
) -> LoadResult:
    if host not in LOOPBACK:
        raise ValueError("the load generator only targets loopback addresses")
    result = LoadResult()

    async def main() -> None:
        budget = itertools.count()
        deadline = time.perf_counter() + duration_s
        await asyncio.gather(
            *(
                _connection(c, host, port, make_request, check, deadline, budget, max_requests,
                            result)
                for c in range(clients)
            )
        )  # fmt: skip

    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    asyncio.run(main())
    result.elapsed_s = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu_s = (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime)
    return result
