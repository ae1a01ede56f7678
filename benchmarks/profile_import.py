"""Where `omniloop import orders FILE` spends its time, statement by statement (ADR 36).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python \\
        benchmarks/profile_import.py FILE [--top 12] [--explain]

DB is a database with the stores, products and members FILE refers to, e.g. the one
`bench_import.py --keep-db` leaves (`omniloop_bench_import`; empty its orders first for a first
import, keep them for a re-import). Runs a plain COPY of FILE (the benchmark's reference), then
the import inside a transaction with every SQL statement timed, wall and the server backend's
CPU (read from /proc: PostgreSQL on this machine), then the deferred constraints
(`SET CONSTRAINTS ALL IMMEDIATE`, what the commit would check), the reference again, and rolls
everything back. `--explain` runs the import's `CREATE TABLE ... AS` and orders/lines inserts
under `EXPLAIN (ANALYZE, BUFFERS)` and prints their plans (timings then include its overhead).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniloop.settings")
os.environ.setdefault("OMNILOOP_LOG", "WARNING")

TICK = os.sysconf("SC_CLK_TCK")
REFERENCE = """CREATE TABLE IF NOT EXISTS profile_import_reference (
  order_ref text, member_ref text, store_ref text, channel text, ordered_at timestamp,
  sku_ref text, quantity integer, amount numeric(12, 2), discount numeric(10, 2))"""


class Rollback(Exception):
    pass


def cpu(pid: int) -> float:
    """User + system CPU seconds of a process on this machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("file", type=Path)
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--explain", action="store_true")
    args = p.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from omniloop.bulkimport.service import bulk_import

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    timings: list[tuple[float, float, str]] = []
    plans: list[list[str]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        planned = sql.startswith('INSERT INTO "orders_') or (
            sql.startswith("CREATE TEMP TABLE") and " AS SELECT" in sql[:80]
        )
        if args.explain and planned:
            result = execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params, many, context)
            plans.append([r[0] for r in context["cursor"].fetchall()])
            return result
        t0, c0 = time.perf_counter(), cpu(pid)
        try:
            return execute(sql, params, many, context)
        finally:
            timings.append((time.perf_counter() - t0, cpu(pid) - c0, sql))

    def reference() -> tuple[float, float]:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(REFERENCE)
            t0, c0 = time.perf_counter(), cpu(pid)
            sql = "COPY profile_import_reference FROM STDIN (FORMAT csv, HEADER true)"
            with cursor.cursor.copy(sql) as copy, args.file.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            out = time.perf_counter() - t0, cpu(pid) - c0
            transaction.set_rollback(True)
        return out

    before = reference()
    t0, c0 = time.perf_counter(), cpu(pid)
    try:
        with connection.execute_wrapper(wrapper), transaction.atomic():
            result = bulk_import(kind="orders", path=args.file)
            t1 = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            t2, c2 = time.perf_counter(), cpu(pid)
            raise Rollback
    except Rollback:
        pass
    after = reference()
    ref_wall, ref_cpu = (before[0] + after[0]) / 2, (before[1] + after[1]) / 2
    print(result)
    print(f"reference COPY: wall {before[0]:.2f} / {after[0]:.2f} s, "
          f"backend CPU {before[1]:.2f} / {after[1]:.2f} s")  # fmt: skip
    print(f"import: wall {t2 - t0:.1f} s (ratio {ref_wall / (t2 - t0):.3f}), backend CPU "
          f"{c2 - c0:.1f} s (ratio {ref_cpu / max(c2 - c0, 1e-9):.3f}); of which deferred "
          f"constraints at commit {t2 - t1:.1f} s")  # fmt: skip
    outside = (t2 - t0) - sum(t[0] for t in timings)
    print(f"{outside:8.2f}            outside the statements (COPY into staging, Python)")
    for wall, used, sql in sorted(timings, key=lambda t: -t[0])[: args.top]:
        print(f"{wall:8.2f} {used:6.2f} CPU  {' '.join(sql.split())[:160]}")
    for plan in plans:
        print("\n" + "\n".join(plan))


if __name__ == "__main__":
    main()
