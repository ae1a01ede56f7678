"""The points expiry sweep over a large ledger: lots/s of `loyalty.expiry.points_expire`, and the
same balance moves done by one set-based SQL statement in the same run, as a ratio.

    .venv/bin/python benchmarks/bench_expiry.py [--lots 1000000] [--members 200000] [--due 0.9]

Creates `omniloop_bench_expiry` (`--db`), migrates, seeds `--lots` point lots over `--members`
members with plain SQL (`INSERT ... SELECT generate_series`: the same rows `points_earn` writes,
one earn transaction, lot and two entries per lot; not measured), of which `--due` are past
their expiry at the measurement time. Then, on the same data:

1. reference: one statement with data-modifying CTEs makes every move the sweep makes (a
   transaction `expire:<lot>` with its fingerprint, two entries, the lot emptied, the member
   accounts and the expiry account moved), timed, then rolled back (and the tables vacuumed);
2. the sweep itself, `points_expire(at=...)`, in this process, timed (wall and CPU), with the
   statements it sends counted;
3. checks: the sweep moved every due lot, `ledger_audit` is clean, and a second sweep moves
   nothing (timed too: the cost of an hourly run with nothing due).

Prints the figures and writes benchmarks/results-expiry.json (`--out`). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import procs
import system

HERE = Path(__file__).resolve().parent
POINTS = 100  # each lot holds POINTS + 10 * (n % 7): 100-160

# Seeding, in SQL: accounts, earn transactions, lots and their two entries, with explicit ids
# from per-table bases (the tables are empty bar the brand accounts). Lot n belongs to member
# n % members; lots with n % 1000 < due_per_mille expired `1 + n % 30` days before `at`, the
# others expire 30 days after it.
SEED_SQL = """
INSERT INTO loyalty_ledgeraccount (id, kind, member_id, balance)
SELECT %(a0)s + m.k, 'member', m.id, 0
FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM members_member) m;

INSERT INTO loyalty_ledgertransaction (id, reference, kind, fingerprint, note, created_at)
SELECT %(t0)s + n, 'bench-seed:' || n, 'earn', md5(n::text) || md5(n::text), '',
       %(at)s::timestamptz - interval '700 days'
FROM generate_series(0, %(lots)s - 1) n;

INSERT INTO loyalty_pointslot (id, account_id, transaction_id, points, remaining, expires_at)
SELECT %(l0)s + n, %(a0)s + n %% %(members)s, %(t0)s + n, %(points)s + 10 * (n %% 7),
       %(points)s + 10 * (n %% 7),
       CASE WHEN n %% 1000 < %(due)s
            THEN %(at)s::timestamptz - (1 + n %% 30) * interval '1 day'
            ELSE %(at)s::timestamptz + interval '30 days' END
FROM generate_series(0, %(lots)s - 1) n;

INSERT INTO loyalty_ledgerentry (transaction_id, account_id, lot_id, amount)
SELECT transaction_id, account_id, id, points FROM loyalty_pointslot
UNION ALL
SELECT transaction_id, %(issuance)s, NULL, -points FROM loyalty_pointslot;

UPDATE loyalty_ledgeraccount a SET balance = s.total
FROM (SELECT account_id, sum(points) AS total FROM loyalty_pointslot GROUP BY account_id) s
WHERE a.id = s.account_id;

UPDATE loyalty_ledgeraccount SET balance = balance - (SELECT sum(points) FROM loyalty_pointslot)
WHERE id = %(issuance)s;
"""

# The reference: every move of the sweep, set-based. The fingerprint is the one
# `ledger.fingerprint("expire", lot=n)` computes (sha256 of its canonical JSON).
REFERENCE_SQL = """
WITH due AS (
    SELECT id, account_id, remaining FROM loyalty_pointslot
    WHERE remaining > 0 AND expires_at <= %(at)s
), txn AS (
    INSERT INTO loyalty_ledgertransaction (reference, kind, fingerprint, note, created_at)
    SELECT 'expire:' || id, 'expire',
           encode(sha256(convert_to('{"lot": ' || id || ', "op": "expire"}', 'UTF8')), 'hex'),
           '', %(at)s
    FROM due
    RETURNING id, reference
), legs AS (
    INSERT INTO loyalty_ledgerentry (transaction_id, account_id, lot_id, amount)
    SELECT txn.id, due.account_id, due.id, -due.remaining
    FROM due JOIN txn ON txn.reference = 'expire:' || due.id
    UNION ALL
    SELECT txn.id, %(expiry)s, NULL, due.remaining
    FROM due JOIN txn ON txn.reference = 'expire:' || due.id
    RETURNING 1
), emptied AS (
    UPDATE loyalty_pointslot l SET remaining = 0 FROM due WHERE l.id = due.id RETURNING 1
), members AS (
    UPDATE loyalty_ledgeraccount a SET balance = a.balance - s.total
    FROM (SELECT account_id, sum(remaining) AS total FROM due GROUP BY account_id) s
    WHERE a.id = s.account_id
    RETURNING 1
), brand AS (
    UPDATE loyalty_ledgeraccount SET balance = balance + (SELECT sum(remaining) FROM due)
    WHERE id = %(expiry)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM due), (SELECT count(*) FROM legs), (SELECT count(*) FROM emptied),
       (SELECT count(*) FROM members), (SELECT count(*) FROM brand)
"""


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--lots", type=int, default=1_000_000, help="point lots seeded")
    p.add_argument("--members", type=int, default=200_000, help="members the lots spread over")
    p.add_argument("--due", type=float, default=0.9, help="share of lots past their expiry")
    p.add_argument(
        "--batch", type=int, default=0, help="accounts per sweep transaction (0: default)"
    )
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_expiry", help="created and dropped by this run")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results-expiry.json")
    args = p.parse_args()
    if not 0 < args.members <= args.lots or not 0 <= args.due <= 1:
        p.error("need 0 < --members <= --lots and 0 <= --due <= 1")
    return args


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def seed(args: argparse.Namespace, at: datetime) -> dict[str, Any]:
    from django.db import connection, transaction

    from omniloop.loyalty.ledger import brand_account
    from omniloop.loyalty.models import AccountKind
    from omniloop.members.codes import new_member_code
    from omniloop.members.models import Member

    t0 = time.perf_counter()
    codes: set[str] = set()
    while len(codes) < args.members:  # random codes: 200k of 10^10 would collide
        codes.add(new_member_code())
    ordered = sorted(codes)
    for start in range(0, args.members, 20_000):
        Member.objects.bulk_create(
            [
                Member(code=code, joined_at=at - timedelta(days=800))
                for code in ordered[start : start + 20_000]
            ],
            batch_size=5000,
        )
    issuance = brand_account(AccountKind.ISSUANCE).pk
    expiry = brand_account(AccountKind.EXPIRY).pk
    with connection.cursor() as cur:
        cur.execute("SELECT coalesce(max(id), 0) + 1 FROM loyalty_ledgeraccount")
        a0 = cur.fetchone()[0]
    params = {
        "a0": a0,
        "t0": 1,
        "l0": 1,
        "at": at,
        "lots": args.lots,
        "members": args.members,
        "points": POINTS,
        "due": round(args.due * 1000),
        "issuance": issuance,
    }
    with transaction.atomic(), connection.cursor() as cur:
        for statement in SEED_SQL.split(";\n"):
            if statement.strip():
                cur.execute(statement, params)
        for table in ("ledgeraccount", "ledgertransaction", "pointslot", "ledgerentry"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('loyalty_{table}', 'id'), "
                f"(SELECT max(id) FROM loyalty_{table}))"
            )
    vacuum()
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*), coalesce(sum(remaining), 0) FROM loyalty_pointslot "
            "WHERE remaining > 0 AND expires_at <= %s",
            [at],
        )
        due, due_points = cur.fetchone()
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "due_lots": due,
        "due_points": int(due_points),
        "expiry_account": expiry,
    }


def vacuum() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        for table in ("ledgeraccount", "ledgertransaction", "pointslot", "ledgerentry"):
            cur.execute(f"VACUUM ANALYZE loyalty_{table}")


def reference(at: datetime, expiry: int) -> dict[str, Any]:
    """The set-based statement, timed inside a transaction that is then rolled back."""
    from django.db import connection

    connection.set_autocommit(False)
    try:
        with connection.cursor() as cur:
            t0 = time.perf_counter()
            cur.execute(REFERENCE_SQL, {"at": at, "expiry": expiry})
            due, legs, emptied, accounts, brand = cur.fetchone()
            seconds = time.perf_counter() - t0
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    vacuum()
    assert legs == 2 * due and emptied == due and brand == 1, (due, legs, emptied, brand)
    return {"seconds": round(seconds, 2), "lots": due, "accounts": accounts}


def sweep(at: datetime, batch: int) -> dict[str, Any]:
    from django.db import connection

    from omniloop.loyalty.expiry import BATCH_ACCOUNTS, points_expire

    statements = [0]

    def count(execute: Any, sql: str, params: Any, many: bool, ctx: Any) -> Any:
        statements[0] += 1
        return execute(sql, params, many, ctx)

    c0, t0 = cpu_s(), time.perf_counter()
    with connection.execute_wrapper(count):
        swept = points_expire(at=at, batch=batch or BATCH_ACCOUNTS)
    return {
        "seconds": round(time.perf_counter() - t0, 2),
        "python_cpu_s": round(cpu_s() - c0, 2),
        "lots": swept,
        "statements": statements[0],
    }


def measure(args: argparse.Namespace) -> dict[str, Any]:
    import django

    django.setup()
    from omniloop.loyalty.selectors import ledger_audit

    at = datetime.now(UTC).replace(microsecond=0)
    print(f"seeding {args.lots:,} lots over {args.members:,} members ...", flush=True)
    seeded = seed(args, at)
    print(
        f"   {seeded['seconds']} s; {seeded['due_lots']:,} lots due "
        f"({seeded['due_points']:,} points)",
        flush=True,
    )
    ref = reference(at, seeded["expiry_account"])
    print(f"reference (one set-based statement): {ref['seconds']} s", flush=True)
    print("sweep (points_expire) ...", flush=True)
    cpu0 = system.cpu_times()
    run = sweep(at, args.batch)
    run["machine_busy_pct"] = system.busy_percent(cpu0, system.cpu_times())
    assert run["lots"] == seeded["due_lots"], (run["lots"], seeded["due_lots"])
    again = sweep(at, args.batch)
    assert again["lots"] == 0, again
    t0 = time.perf_counter()
    problems = ledger_audit()
    audit_s = round(time.perf_counter() - t0, 1)
    assert not problems, problems[:10]
    lots = run["lots"]
    return {
        "seed": seeded,
        "reference": {**ref, "lots_per_s": round(ref["lots"] / ref["seconds"], 1)},
        "sweep": {
            **run,
            "lots_per_s": round(lots / run["seconds"], 1),
            "statements_per_lot": round(run["statements"] / lots, 2) if lots else None,
            "python_cpu_ms_per_lot": round(1000 * run["python_cpu_s"] / lots, 3) if lots else None,
        },
        "ratio": round(ref["seconds"] / run["seconds"], 4),
        "second_sweep": again,
        "ledger_audit": {"problems": len(problems), "seconds": audit_s},
    }


def main() -> None:
    args = parse_args()
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    load = os.getloadavg()
    with procs.django_bench_db(pg, prefix="expiry", keep_db=args.keep_db) as pg_version:
        result = measure(args)
    s, r = result["sweep"], result["reference"]
    print(
        f"\n{s['lots']:,} lots swept in {s['seconds']} s: {s['lots_per_s']:,} lots/s, "
        f"{s['statements_per_lot']} statements and {s['python_cpu_ms_per_lot']} ms of Python CPU "
        f"per lot\nreference: {r['lots_per_s']:,} lots/s ({r['seconds']} s); "
        f"ratio sweep/reference {result['ratio']:.4f}\n"
        f"second sweep (nothing due): {result['second_sweep']['seconds']} s; ledger_audit clean "
        f"({result['ledger_audit']['seconds']} s); load average before {load[0]:.1f}"
    )
    procs.write_report(args, pg_version=pg_version, load=load, result=result)


if __name__ == "__main__":
    main()
