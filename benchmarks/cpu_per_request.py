"""CPU milliseconds per till sale, in-process: a quick loop for the run.py ratios.

    .venv/bin/python benchmarks/cpu_per_request.py                 # 300 of each, ~1 minute
    .venv/bin/python benchmarks/cpu_per_request.py --sales 1000 --only sale_points

run.py's ratios on 2 cores are bound by the Python CPU each request costs gunicorn. This script
seeds the same data as run.py (`prepare.seed`, `prepare.seed_coupons`) in its own database
(`omniloop_bench_cpu`, created and dropped), then sends N sales of each kind through Django's
test client (the whole stack but HTTP and gunicorn: middleware, ninja, the services, psycopg)
and reports this process's CPU time per sale (`time.process_time`, so waiting for PostgreSQL
is not counted), the statements and savepoints each sale sent, and wall time. The bodies are
run.py's: `sale` redeems a fresh coupon, `sale_points` also pays 1,000 points and earns.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import procs  # noqa: E402

KINDS = ("sale", "sale_points")


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", default=",".join(KINDS), help="sale,sale_points")
    p.add_argument("--sales", type=int, default=300, help="measured sales of each kind")
    p.add_argument("--warmup", type=int, default=30)
    p.add_argument("--members", type=int, default=50)
    p.add_argument("--points-members", type=int, default=50)
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_cpu")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, help="write the figures as JSON here")
    p.add_argument("--show-sql", action="store_true", help="print the last sale's statements")
    p.add_argument("--cprofile", type=Path, help="also profile the measured sales (pstats file)")
    return p.parse_args()


def run_kind(kind: str, seeded: dict[str, Any], coupons: list[str], args: Any) -> dict[str, Any]:
    import prepare
    from django.db import connection
    from django.test import Client

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {seeded['token']}"}
    pool = seeded["points_members" if kind == "sale_points" else "members"]
    points = prepare.POINTS_PAID if kind == "sale_points" else 0
    statements: list[str] = []

    def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, ctx)

    def one(n: int) -> tuple[float, float, int, int]:
        member = pool[n % len(pool)]
        body = prepare.sale_body(
            f"cpu-{kind}-{n}", member["code"], seeded["assistant"], coupons.pop(), points
        )
        statements.clear()
        w0, c0 = time.perf_counter(), time.process_time()
        with connection.execute_wrapper(count):
            r = prepare.request(
                client,
                "/api/v1/pos/sales",
                body,
                HTTP_IDEMPOTENCY_KEY=f"cpu-{kind}-key-{n:08d}",
                **auth,
            )
        c1, w1 = time.process_time(), time.perf_counter()
        assert r.status_code == 201, r.content
        if points:
            answer = r.json()
            assert answer["points_redeemed"] == points and answer["points_earned"] > 0, answer
        savepoints = sum(1 for s in statements if s.lstrip().upper().startswith("SAVEPOINT"))
        return 1000 * (c1 - c0), 1000 * (w1 - w0), len(statements), savepoints

    for n in range(args.warmup):
        one(n)
    profiler = None
    if args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not waits on PostgreSQL
        profiler.enable()
    measured = [one(args.warmup + n) for n in range(args.sales)]
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(f"{args.cprofile}.{kind}")
    if args.show_sql:
        print(f"-- {kind}: {len(statements)} statements", *statements, sep="\n")
    cpu = [m[0] for m in measured]
    return {
        "sales": len(measured),
        "cpu_ms_mean": statistics.fmean(cpu),
        "cpu_ms_median": statistics.median(cpu),
        "wall_ms_mean": statistics.fmean(m[1] for m in measured),
        # Django's savepoints go through the cursor too; BEGIN/COMMIT do not.
        "statements": statistics.median(m[2] for m in measured),
        "savepoints": statistics.median(m[3] for m in measured),
    }


def main() -> None:
    args = parse_args()
    kinds = [k for k in args.only.split(",") if k]
    if unknown := set(kinds) - set(KINDS):
        sys.exit(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    load = os.getloadavg()
    with procs.django_bench_db(pg, prefix="cpu", keep_db=args.keep_db) as pg_version:
        import django

        django.setup()
        import prepare

        seeded = prepare.seed(args.members, 100, args.points_members)
        bases = prepare.distinctive_sequences()
        need = len(kinds) * (args.sales + args.warmup)
        seeded.update(prepare.seed_coupons(need, 1, 1, bases["promotions_coupon"]))
        coupons = list(seeded["api_coupons"])
        results = {kind: run_kind(kind, seeded, coupons, args) for kind in kinds}
    print(f"PostgreSQL {pg_version}, load average {load[0]:.1f} at the start")
    head = ("benchmark", "CPU ms mean", "median", "wall ms", "stmts", "svp")
    print(f"{head[0]:<12} {head[1]:>12} {head[2]:>8} {head[3]:>8} {head[4]:>6} {head[5]:>4}")
    for kind, r in results.items():
        print(
            f"{kind:<12} {r['cpu_ms_mean']:>12.2f} {r['cpu_ms_median']:>8.2f} "
            f"{r['wall_ms_mean']:>8.2f} {r['statements']:>6.0f} {r['savepoints']:>4.0f}"
        )
    if args.out:
        args.out.write_text(json.dumps({"loadavg": load, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
