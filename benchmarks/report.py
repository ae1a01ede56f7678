"""Summaries of a benchmark's rounds and the table run.py prints."""

from __future__ import annotations

import argparse
import statistics
from typing import Any

import loadgen
from procs import protocol


def pct(values: list[float], q: float) -> float | None:
    return round(loadgen.percentile(values, q), 2) if values else None


def summarize(title: str, rounds: list[dict[str, Any]], statements: int) -> dict[str, Any]:
    api = [r["api"] for r in rounds]
    ref = [r["reference"] for r in rounds]
    api_lat = [x for r in api for x in r.pop("latencies_ms")]
    ref_lat = [x for r in ref for x in r.pop("latencies_ms")]
    api_rate = statistics.mean(r["rate"] for r in api)
    ref_tps = statistics.mean(r["tps"] for r in ref)
    ratios = [a["rate"] / b["tps"] for a, b in zip(api, ref, strict=True)]
    for r, ratio in zip(rounds, ratios, strict=True):
        r["ratio"] = round(ratio, 4)
    return {
        "title": title,
        "statements_per_request": statements,
        "api_rate": round(api_rate, 1),
        "reference_tps": round(ref_tps, 1),
        "ratio": round(api_rate / ref_tps, 4),
        "ratio_range": [round(min(ratios), 4), round(max(ratios), 4)],
        "api_p50_ms": pct(api_lat, 50),
        "api_p95_ms": pct(api_lat, 95),
        "api_p99_ms": pct(api_lat, 99),
        "reference_p50_ms": pct(ref_lat, 50),
        "reference_p95_ms": pct(ref_lat, 95),
        "api_failed": sum(sum(r["failed"].values()) for r in api),
        "reference_failed": sum(r["failed"] for r in ref),
        "server_cpu_ms_per_req": round(statistics.mean(r["server_cpu_ms_per_req"] for r in api), 2),
        "rounds": rounds,
    }


def print_table(results: dict[str, Any], args: argparse.Namespace) -> None:
    head = (
        f"{'benchmark':<40} {'API req/s':>9} {'pgbench TPS':>11} {'ratio':>6} {'range':>11} "
        f"{'API p50':>8} {'API p95':>8} {'pg p50':>7} {'srv CPU':>8} {'errors':>6}"
    )
    server = getattr(args, "server", "gunicorn")
    print(
        f"\n{args.clients} clients, {args.workers} {server} workers, "
        f"{args.duration}s x {args.rounds} rounds per side; pgbench -M {protocol()}; "
        "latencies in ms\n"
    )
    print(head)
    print("-" * len(head))
    for s in results.values():
        lo, hi = s["ratio_range"]
        print(
            f"{s['title']:<40} {s['api_rate']:>9.1f} {s['reference_tps']:>11.1f} "
            f"{s['ratio']:>6.3f} {f'{lo:.3f}-{hi:.3f}':>11} {s['api_p50_ms']:>8.2f} "
            f"{s['api_p95_ms']:>8.2f} {s['reference_p50_ms']:>7.2f} "
            f"{s['server_cpu_ms_per_req']:>8.2f} {s['api_failed'] + s['reference_failed']:>6}"
        )
    print("\nsrv CPU = the server's CPU time (all its processes) per request, ms")
