"""Omniloop's till hot paths, each reported as a ratio to pgbench running the same SQL.

    .venv/bin/python benchmarks/run.py [--duration 12] [--rounds 2] [--clients 4]

Creates the database `omniloop_bench` on PostgreSQL (127.0.0.1:5432, user postgres), migrates
and seeds it, captures the SQL of each request, serves the app with granian (or gunicorn,
`--server`), then for each benchmark alternates pgbench (reference) and HTTP load (subject) in
ABBA order, prints a table, writes benchmarks/results.json and drops the database. See
benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import loadgen
import pgscripts
import procs
import profile_server
import report
import system
from measure import measure_api

HERE = Path(__file__).resolve().parent
COUPON_KINDS = ("sale", "sale_points")
SALES = "/api/v1/pos/sales"
IDENTIFY = "/api/v1/pos/members/identify"
TITLES = {
    "sale": f"POST {SALES} (new sale, one coupon)",
    "sale_points": f"POST {SALES} (coupon, burn + earn)",
    "replay": f"POST {SALES} (replay)",
    "identify": f"POST {IDENTIFY} (phone)",
}


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--only", default=",".join(TITLES), help="benchmarks to run")
    p.add_argument("--clients", type=int, default=4, help="HTTP and pgbench connections")
    p.add_argument("--workers", type=int, default=0, help="server workers (default: clients)")
    p.add_argument(
        "--server",
        choices=procs.SERVERS,
        default=procs.server_kind(),
        help="the app's HTTP server (default granian, as in production; ADR 45)",
    )
    p.add_argument("--duration", type=int, default=12, help="seconds per measurement")
    p.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per side")
    p.add_argument("--rounds", type=int, default=2, help="reference/subject pairs (ABBA order)")
    p.add_argument("--members", type=int, default=50, help="members the load spreads over")
    p.add_argument(
        "--points-members", type=int, default=50, help="sale_points' own pool (1-120, with points)"
    )
    p.add_argument("--max-requests", type=int, default=500_000)
    p.add_argument("--profile", action="store_true", help="py-spy one extra API run each")
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench", help="created and dropped by this run")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results.json")
    args = p.parse_args()
    args.workers = args.workers or args.clients
    if not 1 <= args.points_members <= 120:
        p.error("--points-members must be 1-120 (pgbench takes at most 128 scripts)")
    args.only = [b for b in args.only.split(",") if b]
    if unknown := set(args.only) - TITLES.keys():
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


def requests_for(
    kind: str, prepared: dict[str, Any], tag: str
) -> tuple[loadgen.MakeRequest, loadgen.Check]:
    """How the HTTP load builds the i-th request of client c, and what counts as success."""
    members = prepared["members"]
    capture = prepared["captures"][kind]
    base = {"Content-Type": "application/json", "Authorization": f"Bearer {prepared['token']}"}
    rng = random.Random(tag)
    if kind in ("sale", "sale_points"):
        coupons = prepared.setdefault("_coupons", iter(prepared["api_coupons"]))
        if kind == "sale_points":
            members = prepared["points_members"]

        def make(c: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
            body = dict(capture["body"], receipt_no=f"r-{tag}-{c}-{i}")
            body["member_code"] = members[rng.randrange(len(members))]["code"]
            body["coupon_codes"] = [next(coupons)]  # a fresh single-use coupon each sale
            headers = dict(base, **{"Idempotency-Key": f"k-{tag}-{c}-{i}"})
            return "POST", SALES, json.dumps(body).encode(), headers

        if kind == "sale":
            return make, lambda status, h, _body: status == 201 and "idempotent-replayed" not in h
        return (
            make,
            lambda status, h, body: (
                status == 201 and "idempotent-replayed" not in h and points_sale_ok(body, capture)
            ),
        )
    if kind == "replay":
        replay = json.dumps(capture["body"]).encode()
        headers = dict(base, **{"Idempotency-Key": capture["key"]})
        return (
            lambda c, i: ("POST", SALES, replay, headers),
            lambda status, h, _body: status == 201 and h.get("idempotent-replayed") == "true",
        )

    def identify(c: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
        phone = members[rng.randrange(len(members))]["phone"]
        return "POST", IDENTIFY, json.dumps({"phone": phone}).encode(), base

    return identify, lambda status, h, _body: status == 200


AUDIT = (
    "import django; django.setup()\n"
    "from omniloop.loyalty.selectors import ledger_audit\n"
    "problems = ledger_audit()\n"
    "print(len(problems)); print('\\n'.join(problems[:20]))\n"
)


def ledger_audit(env: dict[str, str]) -> list[str]:
    """`selectors.ledger_audit` on the bench database after both sides wrote to the ledger: every
    sale's burn and earn (the app's and pgbench's) must leave it balanced."""
    out = subprocess.run(
        [procs.python(), "-c", AUDIT],
        cwd=procs.REPO,
        env=dict(env, DJANGO_SETTINGS_MODULE="omniloop.settings"),
        capture_output=True,
        text=True,
        check=True,
    )
    count, *problems = out.stdout.strip().splitlines()
    return problems if int(count) else []


def points_sale_ok(body: bytes, capture: dict[str, Any]) -> bool:
    """The answer of a fresh points sale: the coupon, the points paid and the points earned as
    in the captured one (the same basket, coupon value and points)."""
    out = json.loads(body)
    return bool(
        Decimal(out["to_pay"]) == Decimal(capture["to_pay"])
        and out["points_redeemed"] == capture["body"]["points"]
        and out["points_earned"] == capture["points_earned"]
        and len(out["discounts"]) == 1
    )


def api_run(
    args: argparse.Namespace,
    server: procs.Server,
    prepared: dict[str, Any],
    kind: str,
    seconds: int,
) -> dict[str, Any]:
    make, check = requests_for(kind, prepared, f"{kind}{time.time_ns():x}")
    return measure_api(
        server=server,
        make=make,
        check=check,
        clients=args.clients,
        seconds=seconds,
        max_requests=args.max_requests,
    )


def ref_run(
    args: argparse.Namespace,
    pg: procs.Pg,
    scripts: list[Path],
    workdir: Path,
    seconds: int,
    tag: str,
    defines: dict[str, int] | None = None,
) -> dict[str, Any]:
    cpu0 = system.cpu_times()
    res = procs.pgbench(
        pg,
        scripts,
        clients=args.clients,
        duration_s=seconds,
        workdir=workdir,
        tag=tag,
        defines=defines,
    )
    res["machine_busy_pct"] = system.busy_percent(cpu0, system.cpu_times())
    return res


def bench(
    args: argparse.Namespace,
    pg: procs.Pg,
    server: procs.Server,
    prepared: dict[str, Any],
    kind: str,
    workdir: Path,
) -> dict[str, Any]:
    scripts = pgscripts.write(kind, prepared, workdir / "scripts", protocol=procs.protocol())
    print(
        f"== {TITLES[kind]}: {len(prepared['captures'][kind]['sql'])} statements, "
        f"{len(scripts)} pgbench script(s)",
        flush=True,
    )
    # pgbench's sale scripts redeem coupons: each run (of every coupon benchmark) starts its
    # clients on unused ones.
    runs = prepared.setdefault("_pg_runs", itertools.count())
    coupon_kinds = [k for k in args.only if k in COUPON_KINDS]
    block = prepared["pg_coupons"] // (len(coupon_kinds) * (args.rounds + 1))

    def defines() -> dict[str, int]:
        return {"cnt": next(runs) * block} if kind in COUPON_KINDS else {}

    ref_run(args, pg, scripts, workdir, args.warmup, f"{kind}-warm", defines())
    api_run(args, server, prepared, kind, args.warmup)
    rounds: list[dict[str, Any]] = []
    for n in range(args.rounds):
        order = ("reference", "api") if n % 2 == 0 else ("api", "reference")
        row: dict[str, Any] = {"order": list(order)}
        for side in order:
            if side == "reference":
                row[side] = ref_run(
                    args, pg, scripts, workdir, args.duration, f"{kind}-{n}", defines()
                )
            else:
                row[side] = api_run(args, server, prepared, kind, args.duration)
        print(
            f"   round {n + 1}: API {row['api']['rate']:.1f} req/s, "
            f"pgbench {row['reference']['tps']:.1f} TPS",
            flush=True,
        )
        rounds.append(row)
    summary = report.summarize(TITLES[kind], rounds, len(prepared["captures"][kind]["sql"]))
    if args.profile:
        summary["profile"] = profile_server.record(
            server.proc.pid,
            lambda: api_run(args, server, prepared, kind, args.duration),
            workdir / f"profile-{kind}.txt",
        )
    return summary


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    workdir = Path(tempfile.mkdtemp(prefix="omniloop-bench-"))
    env = dict(
        os.environ,
        DATABASE_URL=pg.url,
        DEBUG="0",
        OMNILOOP_ENV="development",
        OMNILOOP_VAR_DIR=str(workdir / "var"),
        OMNILOOP_LOG="WARNING",
    )
    load1, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load1 > 0.5 * cpus:
        print(
            f"note: load average {load1:.1f} on {cpus} CPUs before starting: other work is "
            "running, expect noisier ratios (see the range column)"
        )
    server: procs.Server | None = None
    pg_version = procs.psql(pg, "SHOW server_version")
    lock = procs.lock_db(pg)
    procs.recreate_db(pg)
    try:
        print(f"set-up: migrating and seeding {pg.db} (work dir {workdir})", flush=True)
        subprocess.run(
            [procs.python(), "-m", "omniloop.cli", "migrate", "--noinput", "-v0"],
            cwd=procs.REPO,
            env=env,
            check=True,
        )
        prep = workdir / "prepared.json"
        prepare_args = ["--members", str(args.members), "--pg-clients", str(args.clients)]
        prepare_args += ["--points-members", str(args.points_members)]
        subprocess.run(
            [procs.python(), str(HERE / "prepare.py"), str(prep), *prepare_args],
            cwd=procs.REPO,
            env=env,
            check=True,
        )
        prepared = json.loads(prep.read_text())
        machine = system.describe(pg_version)
        server = procs.Server(
            env,
            port=procs.free_port(),
            workers=args.workers,
            log=workdir / f"{args.server}.log",
            kind=args.server,
        )
        results = {kind: bench(args, pg, server, prepared, kind, workdir) for kind in args.only}
        if "sale_points" in results:
            problems = ledger_audit(env)
            results["sale_points"]["ledger_audit_problems"] = problems
            print(f"ledger_audit after the runs: {'; '.join(problems) or 'clean'}", flush=True)
    finally:
        if server is not None:
            server.stop()
        if not args.keep_db:
            procs.drop_db(pg)
        lock.close()
    report.print_table(results, args)
    config = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()}
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine, "loadavg_at_end": os.getloadavg()},
        "config": {**config, "pgbench_protocol": procs.protocol()},
        "benchmarks": results,
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"\nwrote {args.out}; pgbench scripts and server log in {workdir}")


if __name__ == "__main__":
    main()
