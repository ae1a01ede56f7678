"""Bulk import of order lines on PostgreSQL: the issue's bar is >= 0.5 x the rows/s of a plain
psycopg COPY of the same file, with the import's peak memory under 2 GB.

    .venv/bin/python benchmarks/bench_import.py [--lines 1000000] [--keep-db]
    .venv/bin/python benchmarks/bench_import.py --lines 10000000   # the issue's full run

Creates the database `omniloop_bench_import` (127.0.0.1:5432, user postgres), migrates it,
imports stores, products and members through `omniloop import` (small files), writes N order
lines as CSV (about 2.5 lines per order, 20% anonymous, naive store-local times), then times:

- `reference`: a plain psycopg COPY of the same file (1 MiB writes) into an equivalent
  unindexed table with the same column types (text refs, timestamp, integer, numeric), run
  before and after the import; the mean of the two is the reference;
- `import`: `omniloop import orders FILE` as a child process (staging, checks, orders, lines,
  indexes and constraints included, one transaction), its peak RSS from `wait4`, and its
  server backend's peak memory sampled from /proc (PostgreSQL on this machine);
- `re-import`: the same command again, which must find nothing to change.

Prints lines/s of both and the ratio, writes benchmarks/results_import.json and drops the
database (and the generated files).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import procs

HERE = Path(__file__).resolve().parent
GB = 1 << 30


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument(
        "--lines", type=int, default=1_000_000, help="order lines in the file (10000000: full run)"
    )
    p.add_argument("--stores", type=int, default=200)
    p.add_argument("--skus", type=int, default=5000)
    p.add_argument("--members", type=int, default=100_000)
    p.add_argument("--seed", type=int, default=11)
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_import", help="created and dropped")
    p.add_argument("--keep-db", action="store_true")
    p.add_argument("--out", type=Path, default=HERE / "results_import.json")
    return p.parse_args()


def write_csv(path: Path, header: list[str], rows: object) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)  # type: ignore[arg-type]


def _product_row(i: int, rng: random.Random) -> list[str]:
    style = f"P{i // 4:05d}"
    return [f"{style}-{i % 4}", style, f"商品{i // 4}", f"c{i % 20}", f"{rng.randint(20, 900)}.00",
            "SMLX"[i % 4]]  # fmt: skip


def seed_files(args: argparse.Namespace, work: Path) -> dict[str, Path]:
    rng = random.Random(args.seed)
    zones = ["Asia/Shanghai", "Asia/Tokyo", "Europe/Berlin", "America/New_York"]
    stores = work / "stores.csv"
    write_csv(
        stores,
        ["store_ref", "name", "city", "timezone"],
        ([f"st{i:04d}", f"门店{i}", "上海", zones[i % 4]] for i in range(args.stores)),
    )
    products = work / "products.csv"
    write_csv(
        products,
        ["sku_ref", "product_ref", "name", "category", "list_price", "size"],
        (
            [
                f"P{i // 4:05d}-{i % 4}",
                f"P{i // 4:05d}",
                f"商品{i // 4}",
                f"c{i % 20}",
                f"{rng.randint(20, 900)}.00",
                "SMLX"[i % 4],
            ]
            for i in range(args.skus)
        ),
    )
    members = work / "members.csv"
    write_csv(
        members,
        ["member_ref", "name", "joined_at", "home_store_ref"],
        (
            [f"M{i:08d}", "", "2020-01-01 10:00", f"st{i % args.stores:04d}"]
            for i in range(args.members)
        ),
    )
    return {"stores": stores, "products": products, "members": members}


def order_lines(args: argparse.Namespace, path: Path) -> int:
    """N lines, grouped in orders of 1-4 lines; returns the number of orders."""
    rng = random.Random(args.seed)
    start = datetime(2022, 1, 1)
    header = ["order_ref", "member_ref", "store_ref", "channel", "ordered_at", "sku_ref",
              "quantity", "amount", "discount"]  # fmt: skip
    written = orders = 0
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        while written < args.lines:
            orders += 1
            n = min(rng.choice((1, 1, 2, 3, 4)), args.lines - written)
            member = f"M{rng.randrange(args.members):08d}" if rng.random() < 0.8 else ""
            store = f"st{rng.randrange(args.stores):04d}"
            at = (start + timedelta(seconds=rng.randrange(3 * 365 * 86400))).isoformat(" ")
            rows = []
            for _ in range(n):
                sku = rng.randrange(args.skus)
                qty = rng.choice((1, 1, 1, 2, 3))
                price = rng.randint(30, 900)
                disc = rng.choice((0, 0, 0, 10, 25))
                rows.append([f"R{orders:09d}", member, store, "", at,
                             f"P{sku // 4:05d}-{sku % 4}", qty, f"{qty * price - disc}.00",
                             f"{disc}.00" if disc else ""])  # fmt: skip
            w.writerows(rows)
            written += n
    return orders


REFERENCE_TABLE = """CREATE UNLOGGED TABLE IF NOT EXISTS bench_reference (
  order_ref text, member_ref text, store_ref text, channel text, ordered_at timestamp,
  sku_ref text, quantity integer, amount numeric(12, 2), discount numeric(10, 2))"""


def reference_copy(pg: procs.Pg, path: Path) -> float:
    """A plain psycopg COPY of the file (logged table unless UNLOGGED is dropped below)."""
    import psycopg

    with psycopg.connect(pg.url, autocommit=True) as conn:
        conn.execute(REFERENCE_TABLE.replace("UNLOGGED ", ""))
        conn.execute("TRUNCATE bench_reference")
        t0 = time.perf_counter()
        with (
            conn.transaction(),
            conn.cursor() as cur,
            cur.copy("COPY bench_reference FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as f,
        ):
            while chunk := f.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - t0
        conn.execute("TRUNCATE bench_reference")
    return seconds


def _proc_status_kib(pid: int) -> dict[str, int]:
    """VmHWM, VmRSS, RssAnon ... of a process on this machine, in KiB ({} when unreadable)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if value.strip().endswith("kB"):
            out[key] = int(value.split()[0])
    return out


class BackendWatch(threading.Thread):
    """Samples the memory of the server backends of `db` (other than its own) every 0.2 s
    while an import runs (PostgreSQL on this machine: /proc/PID/status). Keeps the largest
    VmHWM (peak resident set, shared buffers it touched included) and the largest sampled
    RssAnon (its private memory: sorts, hashes, trigger queues, caches)."""

    def __init__(self, pg: procs.Pg) -> None:
        super().__init__(daemon=True)
        self.pg = pg
        self.hwm_kib = self.anon_kib = 0
        self.seen = False
        self.stop = threading.Event()

    def run(self) -> None:
        import psycopg

        with psycopg.connect(self.pg.url, autocommit=True) as conn:
            while not self.stop.is_set():
                pids = conn.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                ).fetchall()
                for (pid,) in pids:
                    status = _proc_status_kib(pid)
                    if status:
                        self.seen = True
                        self.hwm_kib = max(self.hwm_kib, status.get("VmHWM", 0))
                        self.anon_kib = max(self.anon_kib, status.get("RssAnon", 0))
                self.stop.wait(0.2)


def run_import(
    env: dict[str, str], kind: str, path: Path, pg: procs.Pg | None = None
) -> tuple[float, int, str, dict[str, int | None]]:
    """Wall seconds, peak RSS (bytes) and output of `omniloop import KIND PATH`, and (with
    `pg`) the peak memory of its server backend in MiB (None when not measurable)."""
    watch = BackendWatch(pg) if pg else None
    if watch:
        watch.start()
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [procs.python(), "-m", "omniloop.cli", "import", kind, str(path), "--no-progress"],
        cwd=procs.REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    out = child.stdout.read().decode()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t0
    backend: dict[str, int | None] = {"peak_rss_mb": None, "peak_private_mb": None}
    if watch:
        watch.stop.set()
        watch.join()
        if watch.seen:
            backend = {
                "peak_rss_mb": watch.hwm_kib // 1024,
                "peak_private_mb": watch.anon_kib // 1024,
            }
    if child.returncode != 0:
        raise SystemExit(f"import {kind} failed:\n{out}")
    return seconds, usage.ru_maxrss * 1024, out.strip(), backend


def own_seconds(out: str) -> float | None:
    """The seconds the import itself reports ("... in 12.3 s"): without the interpreter's and
    Django's start."""
    found = re.search(r" in ([0-9.]+) s", out)
    return float(found.group(1)) if found else None


def main() -> None:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="omniloop-bench-import-"))
    pg = procs.Pg(args.pg_host, args.pg_port, args.pg_user, args.db)
    env = dict(
        os.environ,
        DEBUG="0",
        OMNILOOP_ENV="development",
        OMNILOOP_VAR_DIR=str(work / "var"),
        OMNILOOP_LOG="WARNING",
        DATABASE_URL=pg.url,
    )
    lock = procs.lock_db(pg)
    procs.recreate_db(pg)
    try:
        subprocess.run(
            [procs.python(), "-m", "omniloop.cli", "migrate", "--noinput", "-v0"],
            cwd=procs.REPO,
            env=env,
            check=True,
        )
        seeds = {}
        for kind, path in seed_files(args, work).items():
            seconds, rss, out, _ = run_import(env, kind, path)
            seeds[kind] = {"seconds": round(seconds, 2), "peak_rss_mb": rss // (1 << 20)}
            print(out)
        lines_path = work / "order_lines.csv"
        t0 = time.perf_counter()
        orders = order_lines(args, lines_path)
        size = lines_path.stat().st_size
        print(f"wrote {args.lines:,} lines ({orders:,} orders, {size / 1e6:.0f} MB) "
              f"in {time.perf_counter() - t0:.0f} s")  # fmt: skip
        ref_before = reference_copy(pg, lines_path)
        print(f"reference COPY: {ref_before:.1f} s")
        imp, rss, out, backend = run_import(env, "orders", lines_path, pg)
        own = own_seconds(out)
        print(f"{out}\nimport: {imp:.1f} s wall, peak RSS {rss / (1 << 20):.0f} MiB, "
              f"server backend {backend}")  # fmt: skip
        ref_after = reference_copy(pg, lines_path)
        print(f"reference COPY: {ref_after:.1f} s")
        again, again_rss, again_out, _ = run_import(env, "orders", lines_path)
        print(f"{again_out}\nre-import: {again:.1f} s")
        if " 0 created, 0 updated" not in again_out:
            raise SystemExit("the re-import changed something")
    finally:
        if not args.keep_db:
            procs.drop_db(pg)
        lock.close()
        shutil.rmtree(work, ignore_errors=True)
    reference = (ref_before + ref_after) / 2
    ratio = reference / imp
    result = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "lines": args.lines,
        "orders": orders,
        "file_mb": round(size / 1e6, 1),
        "reference_seconds": [round(ref_before, 2), round(ref_after, 2)],
        "reference_lines_per_s": round(args.lines / reference),
        "import_seconds": round(imp, 2),
        "import_lines_per_s": round(args.lines / imp),
        "ratio": round(ratio, 3),
        "ratio_bar": 0.5,
        "import_own_seconds": own,
        "ratio_own": round(reference / own, 3) if own else None,
        "import_peak_rss_mb": round(rss / (1 << 20)),
        "rss_bar_mb": 2048,
        "server_backend_peak_rss_mb": backend["peak_rss_mb"],
        "server_backend_peak_private_mb": backend["peak_private_mb"],
        "reimport_seconds": round(again, 2),
        "reimport_peak_rss_mb": round(again_rss / (1 << 20)),
        "seed_imports": seeds,
        "loadavg_at_end": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    print(f"\n{'':<12}{'lines/s':>12}")
    print(f"{'reference':<12}{result['reference_lines_per_s']:>12,}")
    print(f"{'import':<12}{result['import_lines_per_s']:>12,}")
    print(f"ratio at {args.lines:,} lines {ratio:.3f} (bar >= 0.5: "
          f"{'met' if ratio >= 0.5 else 'NOT met'}; without the process start "
          f"{result['ratio_own']}); peak RSS {result['import_peak_rss_mb']} MiB (bar < 2048: "
          f"{'met' if rss < 2 * GB else 'NOT met'}); server backend peak RSS "
          f"{backend['peak_rss_mb']} MiB, private {backend['peak_private_mb']} MiB")  # fmt: skip
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
