"""Flash-sale claims per second through the HTTP API, as a ratio to pgbench sending the same SQL on
the same single hot stock row at the same concurrency; without and with the Redis gate.

    .venv/bin/python benchmarks/bench_flash.py [--clients 4] [--duration 10] [--rounds 2]

Like run.py (whose helpers it uses): creates `omniloop_bench_flash`, migrates, seeds a flash sale
and a pool of members, captures the SQL of one claim (and of one refused claim on a sold-out
sale), serves the app with granian (or gunicorn, `--server`), alternates pgbench and HTTP load
in ABBA order, prints the table, writes benchmarks/results-flash.json and drops the database.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import loadgen
import procs
import report
import system
from measure import measure_api
from pgscripts import _sub_id
from pgscripts import prepared as prepared_script

HERE = Path(__file__).resolve().parent
TITLES = {
    "claim": "POST flash-sales/{id}/claims",
    "claim_gate": "POST flash-sales/{id}/claims (gate)",
    "soldout": "POST claims, sold out",
    "soldout_gate": "POST claims, sold out (gate)",
}
BIG = 2_000_000_000  # stock and per-member limit for the measured sale: runs never exhaust it


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
    p.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    p.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per side")
    p.add_argument("--rounds", type=int, default=2, help="reference/subject pairs (ABBA order)")
    p.add_argument("--members", type=int, default=100, help="claimants (one pgbench script each)")
    p.add_argument("--max-requests", type=int, default=500_000)
    p.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
    )
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_flash", help="created and dropped by this run")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results-flash.json")
    p.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)  # child mode, see prepare()
    args = p.parse_args()
    args.workers = args.workers or args.clients
    args.only = [b for b in args.only.split(",") if b]
    if unknown := set(args.only) - TITLES.keys():
        p.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if not 1 <= args.members <= 120:
        p.error("--members must be 1-120 (pgbench takes at most 128 scripts)")
    return args


# --- Child process: seed and capture (DJANGO_SETTINGS_MODULE and DATABASE_URL set) ---------------


def prepare(out: Path, members: int, redis_url: str) -> None:
    import prepare as base  # django.setup() and the SQL capture of run.py's benchmarks
    from django.db import connections
    from django.test import Client, override_settings

    from omniloop.accounts.services import token_create
    from omniloop.catalog.models import Category, Product, Sku
    from omniloop.core import clock
    from omniloop.core.brand import brand_settings
    from omniloop.members.codes import new_member_code
    from omniloop.members.models import Member
    from omniloop.promotions.flash import flash_sale_claim, flash_sale_create
    from omniloop.promotions.models import FlashSale
    from omniloop.stores.models import Store

    if connections["default"].vendor != "postgresql":
        sys.exit("bench_flash.py needs DATABASE_URL=postgres://...")
    base.distinctive_sequences()
    brand_settings()
    now = clock.now()
    store = Store.objects.create(
        code="bench01", name="基准店", name_en="Bench store", city="上海", timezone="Asia/Shanghai"
    )
    category = Category.objects.create(code="tops", name="上装", name_en="Tops")
    product = Product.objects.create(
        style_code="FS100",
        name="秒杀衬衫",
        name_en="Flash shirt",
        category=category,
        list_price="399.00",
        status=Product.Status.ACTIVE,
    )
    sku = Sku.objects.create(
        product=product, sku_code="FS100-M", barcode="6990001077", size="M", color="白"
    )
    Member.objects.bulk_create(
        [Member(code=new_member_code(), joined_at=now, join_source="bench") for _ in range(2000)]
    )
    pool = Member.objects.bulk_create(
        [Member(code=new_member_code(), joined_at=now, join_source="bench") for _ in range(members)]
    )
    window = {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=30)}
    sale = flash_sale_create(
        name="bench", sku_id=sku.pk, price=Decimal("99.00"), stock=1, hold_minutes=60, **window
    )
    FlashSale.objects.filter(pk=sale.pk).update(
        stock_total=BIG, stock_left=BIG, per_member_limit=BIG
    )
    gone = flash_sale_create(name="gone", sku_id=sku.pk, price=Decimal("9.00"), stock=1, **window)
    flash_sale_claim(flash_sale_id=gone.pk, member_id=pool[-1].pk, quantity=1)
    token = token_create(name="bench till", store=store).secret
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}

    def claim(sale_id: int, member: Member, status: int) -> None:
        path = f"/api/v1/flash-sales/{sale_id}/claims"
        r = base.request(client, path, {"member_code": member.code, "quantity": 1}, **auth)
        assert r.status_code == status, r.content

    claim(sale.pk, pool[1 % members], 201)  # warm-up: token last used, first queries
    claim(gone.pk, pool[1 % members], 409)
    captures = {}
    with base.capture() as sql:
        claim(sale.pk, pool[0], 201)
    captures["claim"] = sql
    with base.capture() as sql:
        claim(gone.pk, pool[0], 409)
    captures["soldout"] = sql
    with override_settings(REDIS_URL=redis_url):
        claim(gone.pk, pool[0], 409)  # loads the gate's counter
        with base.capture() as sql:
            claim(gone.pk, pool[0], 409)
        captures["soldout_gate"] = sql
    captures["claim_gate"] = captures["claim"]  # the gate adds a Redis round trip, no SQL
    out.write_text(
        json.dumps(
            {
                "token": token,
                "sale_id": sale.pk,
                "soldout_sale_id": gone.pk,
                "members": [{"id": m.pk, "code": m.code} for m in pool],
                "captures": captures,
            },
            indent=1,
        )
    )


# --- pgbench scripts -------------------------------------------------------------------------


def write_scripts(kind: str, prepared: dict[str, Any], directory: Path) -> list[Path]:
    """One script per claimant: the captured statements with the first member's id and code
    swapped for another's (ids are distinctive, see prepare.distinctive_sequences)."""
    first = prepared["members"][0]
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, member in enumerate(prepared["members"]):
        lines = []
        for sql in prepared["captures"][kind]:
            sql = sql.replace(first["code"], member["code"])
            lines.append(_sub_id(sql, int(first["id"]), str(member["id"])) + ";")
        path = directory / f"{kind}-{n:03d}.sql"
        text = "\n".join(lines) + "\n"
        path.write_text(prepared_script(text) if procs.protocol() == "prepared" else text)
        paths.append(path)
    return paths


def hot_row_script(prepared: dict[str, Any], directory: Path) -> Path:
    """Only the hot row: the stock UPDATE alone in its transaction, the ceiling of any claim."""
    update = next(s for s in prepared["captures"]["claim"] if "SET stock_left = stock_left" in s)
    path = directory / "hot-row.sql"
    path.write_text(f"BEGIN;\n{update};\nCOMMIT;\n")
    return path


# --- Runs ------------------------------------------------------------------------------------


def requests_for(kind: str, prepared: dict[str, Any]) -> tuple[loadgen.MakeRequest, loadgen.Check]:
    sale = prepared["soldout_sale_id"] if kind.startswith("soldout") else prepared["sale_id"]
    path = f"/api/v1/flash-sales/{sale}/claims"
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {prepared['token']}"}
    bodies = [
        json.dumps({"member_code": m["code"], "quantity": 1}).encode() for m in prepared["members"]
    ]
    rng = random.Random(kind)
    expected = 409 if kind.startswith("soldout") else 201

    def make(c: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
        return "POST", path, bodies[rng.randrange(len(bodies))], headers

    return make, lambda status, h, _body: status == expected


def api_run(
    args: argparse.Namespace, server: procs.Server, prepared: dict[str, Any], kind: str, secs: int
) -> dict[str, Any]:
    make, check = requests_for(kind, prepared)
    return measure_api(
        server=server,
        make=make,
        check=check,
        clients=args.clients,
        seconds=secs,
        max_requests=args.max_requests,
    )


def ref_run(
    args: argparse.Namespace, pg: procs.Pg, scripts: list[Path], workdir: Path, secs: int, tag: str
) -> dict[str, Any]:
    cpu0 = system.cpu_times()
    res = procs.pgbench(
        pg, scripts, clients=args.clients, duration_s=secs, workdir=workdir, tag=tag
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
    scripts = write_scripts(kind, prepared, workdir / "scripts")
    statements = len(prepared["captures"][kind])
    print(f"== {TITLES[kind]}: {statements} statements, {len(scripts)} scripts", flush=True)
    ref_run(args, pg, scripts, workdir, args.warmup, f"{kind}-warm")
    api_run(args, server, prepared, kind, args.warmup)
    rounds: list[dict[str, Any]] = []
    for n in range(args.rounds):
        order = ("reference", "api") if n % 2 == 0 else ("api", "reference")
        row: dict[str, Any] = {"order": list(order)}
        for side in order:
            if side == "reference":
                row[side] = ref_run(args, pg, scripts, workdir, args.duration, f"{kind}-{n}")
            else:
                row[side] = api_run(args, server, prepared, kind, args.duration)
        print(
            f"   round {n + 1}: API {row['api']['rate']:.1f} req/s, "
            f"pgbench {row['reference']['tps']:.1f} TPS",
            flush=True,
        )
        rounds.append(row)
    return report.summarize(TITLES[kind], rounds, statements)


def main() -> None:
    args = parse_args()
    if args.prepare:
        prepare(args.prepare, args.members, args.redis_url)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    workdir = Path(tempfile.mkdtemp(prefix="omniloop-bench-flash-"))
    env = dict(
        os.environ,
        DATABASE_URL=pg.url,
        DEBUG="0",
        OMNILOOP_ENV="development",
        OMNILOOP_VAR_DIR=str(workdir / "var"),
        OMNILOOP_LOG="WARNING",
        DJANGO_SETTINGS_MODULE="omniloop.settings",
    )
    env.pop("REDIS_URL", None)
    load1, cpus = os.getloadavg()[0], os.cpu_count() or 1
    if load1 > 0.5 * cpus:
        print(f"note: load average {load1:.1f} on {cpus} CPUs: expect noisier ratios")
    _flush_redis(args.redis_url)
    pg_version = procs.psql(pg, "SHOW server_version")
    procs.recreate_db(pg)
    servers: dict[bool, procs.Server] = {}
    results: dict[str, Any] = {}
    try:
        print(f"set-up: migrating and seeding {pg.db} (work dir {workdir})", flush=True)
        subprocess.run(
            [procs.python(), "-m", "omniloop.cli", "migrate", "--noinput", "-v0"],
            cwd=procs.REPO,
            env=env,
            check=True,
        )
        prep = workdir / "prepared.json"
        subprocess.run(
            [procs.python(), str(Path(__file__).resolve()), "--prepare", str(prep),
             "--members", str(args.members), "--redis-url", args.redis_url],
            cwd=HERE,
            env=env,
            check=True,
        )  # fmt: skip
        prepared = json.loads(prep.read_text())
        machine = system.describe(pg_version)
        hot_script = [hot_row_script(prepared, workdir)]
        hot = [ref_run(args, pg, hot_script, workdir, args.duration, "hot-0")["tps"]]
        print(f"== the hot row alone (UPDATE + COMMIT): {hot[0]:.1f} TPS", flush=True)
        for kind in args.only:
            gate = kind.endswith("_gate")
            if gate not in servers:
                server_env = dict(env, REDIS_URL=args.redis_url) if gate else env
                servers[gate] = procs.Server(
                    server_env,
                    port=procs.free_port(),
                    workers=args.workers,
                    log=workdir / f"{args.server}{'-gate' if gate else ''}.log",
                    kind=args.server,
                )
            results[kind] = bench(args, pg, servers[gate], prepared, kind, workdir)
        hot.append(ref_run(args, pg, hot_script, workdir, args.duration, "hot-1")["tps"])
        print(f"== the hot row alone, again: {hot[1]:.1f} TPS", flush=True)
        floor = floor_run(args, env, prepared, workdir)
        print(f"== no SQL at all (the stack's floor): {floor['rate']:.1f} req/s", flush=True)
    finally:
        for server in servers.values():
            server.stop()
        if not args.keep_db:
            procs.drop_db(pg)
        _flush_redis(args.redis_url)
    report.print_table(results, args)
    hot_tps = sum(hot) / len(hot)
    print(
        f"hot row alone (the stock UPDATE and COMMIT, pgbench): {hot_tps:.1f} TPS "
        f"(before {hot[0]:.1f}, after {hot[-1]:.1f})"
    )
    explain(results, hot_tps)
    if "claim" in results:
        need = 0.8 * results["claim"]["reference_tps"]
        print(
            f"floor: with no SQL at all (405), the same stack answers {floor['rate']:.0f} req/s "
            f"({floor['server_cpu_ms_per_req']:.2f} ms CPU each); 0.8 x the claim's pgbench is "
            f"{need:.0f}/s: the floor alone reaches {floor['rate'] / need:.0%} of that target"
        )
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine, "loadavg_at_end": os.getloadavg()},
        "config": {
            **{k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "pgbench_protocol": procs.protocol(),
        },
        "hot_row_tps": [round(t, 1) for t in hot],
        "floor": floor,
        "benchmarks": results,
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"\nwrote {args.out}; pgbench scripts and server logs in {workdir}")


def floor_run(
    args: argparse.Namespace, env: dict[str, str], prepared: dict[str, Any], workdir: Path
) -> dict[str, Any]:
    """The claim's URL asked with GET, on its own server with 4xx logging off: Django's
    middleware, the URL resolver and django-ninja answer 405 before authentication or any SQL
    (a refused token would be audited, which is a write). No claim can be cheaper than this."""
    server = procs.Server(
        dict(env, OMNILOOP_DJANGO_LOG="ERROR"),
        port=procs.free_port(),
        workers=args.workers,
        log=workdir / f"{args.server}-floor.log",
        kind=args.server,
    )
    try:
        make, _ = requests_for("claim", prepared)

        def bare(c: int, i: int) -> tuple[str, str, bytes, dict[str, str]]:
            _, path, _, headers = make(c, i)
            return "GET", path, b"", {"Authorization": headers["Authorization"]}

        def measure(secs: int) -> dict[str, Any]:
            return measure_api(
                server=server,
                make=bare,
                check=lambda status, h, _body: status == 405,
                clients=args.clients,
                seconds=secs,
                max_requests=args.max_requests,
            )

        measure(args.warmup)
        return measure(args.duration)
    finally:
        server.stop()


def explain(results: dict[str, Any], hot_tps: float) -> None:
    """Where each side's ceiling is: the API's CPU per request against the cores there are (and
    how many it would need for a ratio of 0.8), and the reference against the hot row alone."""
    cpus = os.cpu_count() or 1
    for kind, s in results.items():
        cpu_ms = s["server_cpu_ms_per_req"]
        used = s["api_rate"] * cpu_ms / 1000
        needed = 0.8 * s["reference_tps"] * cpu_ms / 1000
        line = (
            f"{kind}: ratio {s['ratio']:.2f}; the server used {used:.2f} of {cpus} cores at "
            f"{cpu_ms:.1f} ms CPU per request; 0.8 x pgbench needs {needed:.1f} cores for "
            "the server alone"
        )
        if kind.startswith("claim"):
            line += f"; pgbench ran at {s['reference_tps'] / hot_tps:.0%} of the hot row's rate"
        print(line)


def _flush_redis(url: str) -> None:
    try:
        import redis

        client = redis.Redis.from_url(url, socket_connect_timeout=0.5)
        for key in client.scan_iter("omniloop:flash:*"):
            client.delete(key)
    except Exception as exc:
        print(f"note: Redis at {url} not reachable ({exc}); the gate benchmarks will fail over")


if __name__ == "__main__":
    main()
