"""One HTTP measurement against a running server, shared by every benchmark."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import loadgen
import procs
import system


def measure_api(
    *,
    server: procs.Server,
    make: Callable[..., Any],
    check: Callable[..., bool],
    clients: int,
    seconds: int,
    max_requests: int,
) -> dict[str, Any]:
    """Closed-loop load for `seconds`; rate, failures, latencies and CPU per request."""
    cpu0, srv0 = system.cpu_times(), system.tree_cpu_seconds(server.proc.pid)
    res = loadgen.run(
        host="127.0.0.1",
        port=server.port,
        make_request=make,
        check=check,
        clients=clients,
        duration_s=seconds,
        max_requests=max_requests,
    )
    srv1, cpu1 = system.tree_cpu_seconds(server.proc.pid), system.cpu_times()
    done = res.ok + sum(res.failed.values())
    return {
        "rate": res.rate,
        "ok": res.ok,
        "failed": dict(res.failed),
        "elapsed_s": res.elapsed_s,
        "latencies_ms": res.latencies_ms,
        "server_cpu_ms_per_req": 1000 * (srv1 - srv0) / done if done else None,
        "client_cpu_ms_per_req": 1000 * res.client_cpu_s / done if done else None,
        "machine_busy_pct": system.busy_percent(cpu0, cpu1),
    }
