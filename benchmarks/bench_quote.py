"""Quote latency with 1,000 active offers: the issue's done-when is p99 < 20 ms.

    .venv/bin/python benchmarks/bench_quote.py [--offers 1000] [--quotes 2000] [--sqlite]

Creates the database `omniloop_bench_quote` on PostgreSQL (127.0.0.1:5432, user postgres; or a
temporary SQLite file with --sqlite), migrates it, seeds a 300-style catalog and the offers
(see quote_seed.py for the mix), then times, one quote at a time:

- `index build`: loading every live offer into the index (what each quote would pay without it);
- `no index`: quotes that rebuild the index first (Odoo's load-every-program shape);
- `service`: `orders.services.till_quote`, warm index, random baskets of 1-6 lines, half with
  a gold member (the offer fingerprint query, SKUs, categories, store time zone, engine);
- `http in-process`: POST /api/v1/pos/quote through Django's test client (auth, ninja, JSON);
- `http SERVER`: the same requests to one worker of the app's server (granian by default)
  on loopback.

Prints a table, writes benchmarks/results_quote.json and drops the database.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import procs

HERE = Path(__file__).resolve().parent
URL = "/api/v1/pos/quote"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--offers", type=int, default=1000)
    p.add_argument("--quotes", type=int, default=2000, help="timed quotes per measurement")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sqlite", action="store_true", help="a temporary SQLite file instead")
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_quote", help="created and dropped")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results_quote.json")
    p.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    return p.parse_args()


def summary(ns: list[int]) -> dict[str, float]:
    ms = sorted(n / 1e6 for n in ns)

    def pct(q: float) -> float:
        return round(ms[min(len(ms) - 1, int(q * len(ms)))], 3)

    return {"n": len(ms), "p50": pct(0.50), "p95": pct(0.95), "p99": pct(0.99), "max": pct(1.0)}


def timed(n: int, fn: Callable[[int], Any], cpu: list[int] | None = None) -> list[int]:
    """Wall time of each call (ns); with `cpu`, this thread's CPU time of each call too (what
    other work on a shared machine cannot inflate, though it leaves out PostgreSQL's side)."""
    out = []
    for i in range(n):
        c0, t0 = time.thread_time_ns(), time.perf_counter_ns()
        fn(i)
        out.append(time.perf_counter_ns() - t0)
        if cpu is not None:
            cpu.append(time.thread_time_ns() - c0)
    return out


# --- child: seed and measure in-process (needs Django) ---------------------------------------


def child(args: argparse.Namespace) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniloop.settings")
    import django

    django.setup()
    import quote_seed
    from django.test import Client

    from omniloop.accounts.services import token_create
    from omniloop.members.models import Member
    from omniloop.members.services import member_create
    from omniloop.orders.services import till_quote
    from omniloop.promotions import offer_index
    from omniloop.stores.models import Store

    rng = random.Random(args.seed)
    products = quote_seed.catalog(rng)
    mix = quote_seed.offers(args.offers, products, rng)
    store = Store.objects.get(pk=mix.pop("store_id"))
    member = member_create(name="基准会员")
    Member.objects.filter(pk=member.pk).update(tier="gold")
    secret = token_create(name="bench", store=store).secret
    baskets = quote_seed.baskets(args.quotes, rng)

    def quote(i: int) -> Any:
        return till_quote(
            store_id=store.pk,
            items=baskets[i % len(baskets)],
            member_id=member.pk if i % 2 else None,
            coupon_codes=[],
        )

    builds = timed(5, lambda _: offer_index._build(offer_index._fingerprint(), -1))
    fingerprints = timed(500, lambda _: offer_index._fingerprint())

    def rebuilt(i: int) -> Any:
        offer_index.invalidate()
        return quote(i)

    no_index = timed(min(100, args.quotes), rebuilt)
    timed(100, quote)  # warm-up
    candidates = [len(quote(i).candidates) for i in range(200)]
    service_cpu: list[int] = []
    service = timed(args.quotes, quote, service_cpu)

    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def body(i: int) -> dict[str, Any]:
        lines = [{"sku": s, "quantity": q} for s, q in baskets[i % len(baskets)]]
        return {"lines": lines, **({"member_code": member.code} if i % 2 else {})}

    def post(i: int) -> None:
        r = client.post(URL, data=json.dumps(body(i)), content_type="application/json", **auth)
        assert r.status_code == 200, r.content

    timed(50, post)
    in_process_cpu: list[int] = []
    in_process = timed(args.quotes, post, in_process_cpu)
    args.child.write_text(
        json.dumps(
            {
                "offers": {"active": args.offers, **mix},
                "index_size": offer_index.current_index().size,
                "candidates_per_quote": round(sum(candidates) / len(candidates), 1),
                "timings": {
                    "index build": summary(builds),
                    "fingerprint query": summary(fingerprints),
                    "no index (rebuild per quote)": summary(no_index),
                    "service (till_quote)": summary(service),
                    "service, CPU time only": summary(service_cpu),
                    "http in-process": summary(in_process),
                    "http in-process, CPU time only": summary(in_process_cpu),
                },
                "token": secret,
                "bodies": [body(i) for i in range(args.quotes)],
            }
        )
    )


# --- parent: database, child, server -----------------------------------------------------------


def over_http(port: int, token: str, bodies: list[dict[str, Any]]) -> list[int]:
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def post(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("POST", URL, body=json.dumps(bodies[i % len(bodies)]), headers=headers)
        r = conn.getresponse()
        r.read()
        conn.close()
        assert r.status == 200, r.status

    timed(50, post)
    return timed(len(bodies), post)


def main() -> None:
    args = parse_args()
    if args.child:
        child(args)
        return
    workdir = Path(tempfile.mkdtemp(prefix="omniloop-bench-quote-"))
    env = dict(
        os.environ,
        DEBUG="0",
        OMNILOOP_ENV="development",
        OMNILOOP_VAR_DIR=str(workdir / "var"),
        OMNILOOP_LOG="WARNING",
    )
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    lock = None
    if args.sqlite:
        env.pop("DATABASE_URL", None)
    else:
        env["DATABASE_URL"] = pg.url
        lock = procs.lock_db(pg)
        procs.recreate_db(pg)
    server = None
    try:
        run = lambda *cmd: subprocess.run(cmd, cwd=procs.REPO, env=env, check=True)  # noqa: E731
        run(procs.python(), "-m", "omniloop.cli", "migrate", "--noinput", "-v0")
        measured = workdir / "measured.json"
        run(procs.python(), str(Path(__file__).resolve()), "--child", str(measured), *sys.argv[1:])
        result = json.loads(measured.read_text())
        server = procs.Server(env, port=procs.free_port(), workers=1, log=workdir / "server.log")
        result["timings"][f"http {server.kind} (1 worker)"] = summary(
            over_http(server.port, result.pop("token"), result.pop("bodies"))
        )
    finally:
        if server is not None:
            server.stop()
        if lock is not None:
            if not args.keep_db:
                procs.drop_db(pg)
            lock.close()
    print(f"\n{args.offers} active offers on {'SQLite' if args.sqlite else 'PostgreSQL'}: "
          f"{result['index_size']} in the index, {result['candidates_per_quote']} candidates "
          f"per quote on average; mix {result['offers']}")  # fmt: skip
    print(f"{'ms':<34}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}")
    for name, t in result["timings"].items():
        print(f"{name:<34}{t['n']:>6}{t['p50']:>9}{t['p95']:>9}{t['p99']:>9}{t['max']:>9}")
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "sqlite" if args.sqlite else "postgresql",
        "loadavg_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
        **result,
    }
    args.out.write_text(json.dumps(document, indent=1) + "\n")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
