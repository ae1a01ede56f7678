# ruff: noqa: S608 (SQL text built from fixed fragments; every value is a parameter)
"""The aggregation half of the feature rebuild on DuckDB (ADR 48).

PostgreSQL streams the rows the aggregation reads (counted orders before `as_of`, lines not
fully returned, the SKU -> product -> category map, the active members) out with `COPY`, in one
snapshot, into an in-process DuckDB database under the same table and column names; DuckDB runs
`feature_sql.stage_select` (the very text PostgreSQL would run: one definition) on all cores;
its rows (`STAGE_COLUMNS`) come back through `COPY` into a temporary table, from which
`features_select(staged=...)` finishes the features in PostgreSQL (`feature_reload` writes
them). The RFM breakpoints are computed by DuckDB over the same rows with the same `NTILE`
definition.

Exact types throughout: money as DECIMAL(12,2) (sums stay decimal in DuckDB), times as
TIMESTAMPTZ in UTC; the divisions that would turn into floating point in DuckDB (average order
value, category share) are left to the finishing half in PostgreSQL."""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from omniloop.insights.feature_sql import (
    STAGE_COLUMNS,
    RfmBreaks,
    counted_order_filter,
    rfm_breaks_select,
    stage_select,
)
from omniloop.insights.sqlparams import Params

STAGE_TABLE = "insights_feature_stage"
log = logging.getLogger(__name__)

# (DuckDB schema, PostgreSQL query) per table the aggregation reads; only the rows it can use.
_EXPORTS: dict[str, tuple[str, str]] = {
    "orders_order": (
        "id BIGINT, member_id BIGINT, status VARCHAR, total DECIMAL(12,2),"
        " refunded_total DECIMAL(12,2), ordered_at TIMESTAMPTZ",
        "SELECT o.id, o.member_id, o.status, o.total, o.refunded_total, o.ordered_at"
        " FROM orders_order o WHERE {counted} AND o.ordered_at < %(as_of)s",
    ),
    "orders_orderline": (
        "order_id BIGINT, sku_id BIGINT, amount DECIMAL(12,2), quantity INTEGER,"
        " returned_quantity INTEGER",
        "SELECT order_id, sku_id, amount, quantity, returned_quantity FROM orders_orderline"
        " WHERE returned_quantity < quantity",
    ),
    "catalog_sku": ("id BIGINT, product_id BIGINT", "SELECT id, product_id FROM catalog_sku"),
    "catalog_product": (
        "id BIGINT, category_id BIGINT",
        "SELECT id, category_id FROM catalog_product",
    ),
    "members_member": (
        "id BIGINT, status VARCHAR",
        "SELECT id, status FROM members_member WHERE status = 'active'",
    ),
}

_STAGE_DDL = (
    f"CREATE TEMPORARY TABLE {STAGE_TABLE} (member_id bigint,"
    " first_order_at timestamptz, last_order_at timestamptz, orders_total integer,"
    " spend_total numeric(14,2), orders_30d integer, spend_30d numeric(14,2),"
    " orders_90d integer, spend_90d numeric(14,2), orders_365d integer, spend_365d numeric(14,2),"
    " top_category_id bigint, top_amount numeric(14,2), all_amount numeric(14,2))"
    " ON COMMIT DROP"
)

_CHUNK = 1 << 20
PARALLEL_FROM_LINES = 2_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _duck_params(sql: str) -> str:
    """psycopg's `%(name)s` placeholders as DuckDB's `$name`."""
    return re.sub(r"%\((\w+)\)s", r"$\1", sql)


def _copy_out(pg: Any, statement: str, path: str) -> None:
    """`statement` (a `COPY ... TO STDOUT`) into `path`, through libpq's own COPY calls:
    psycopg's `Copy` iterator costs a third more per row, and an export is millions of rows."""
    from psycopg import OperationalError, pq

    low = pg.pgconn
    if low.transaction_status != pq.TransactionStatus.INTRANS:
        raise RuntimeError("the export reads inside a transaction")
    low.send_query(statement.encode())
    result = low.get_result()
    if result is None or result.status != pq.ExecStatus.COPY_OUT:
        while low.get_result() is not None:
            pass
        message = result.error_message.decode() if result is not None else "no result"
        raise OperationalError(f"feature export failed: {message}")
    with open(path, "wb") as fh:
        write, get = fh.write, low.get_copy_data
        while True:
            size, data = get(0)
            if size == -1:
                break
            write(data)
    while (result := low.get_result()) is not None:
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise OperationalError(f"feature export failed: {result.error_message.decode()}")


def _copy_out_in_snapshot(conninfo: str, snapshot: str, jobs: list[tuple[str, str]]) -> None:
    """The jobs, read in the rebuild's snapshot on a connection of their own."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(conninfo, autocommit=True) as pg:
        pg.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        pg.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(snapshot)))
        for statement, path in jobs:
            _copy_out(pg, statement, path)
        pg.execute("COMMIT")


def main() -> None:
    """`python -m omniloop.insights.feature_duck`: one helper process of the parallel export,
    its conninfo, snapshot and jobs as JSON on stdin."""
    task = json.load(sys.stdin)
    _copy_out_in_snapshot(task["conninfo"], task["snapshot"], [tuple(j) for j in task["jobs"]])


def _estimated_lines(pg: Any) -> float:
    with pg.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'orders_orderline'::regclass")
        row = cur.fetchone()
    return float(row[0]) if row else 0.0


def _export_all(pg: Any, jobs: list[tuple[str, str]]) -> None:
    """Run the exports: on the rebuild's connection when the history is small; above
    `PARALLEL_FROM_LINES` (the planner's estimate) in two processes, the order lines in one and
    the rest in the other, both reading the rebuild's exported snapshot (what it sees, as
    committed: the rebuild has written nothing yet). PostgreSQL's side of a COPY is most of its
    cost, and two backends use both cores; libpq holds Python's lock while it waits, so
    threads would not. The helpers are this module run by this interpreter (not
    `multiprocessing`, whose spawned children re-import the caller's main module)."""
    if _estimated_lines(pg) < PARALLEL_FROM_LINES:
        for statement, path in jobs:
            _copy_out(pg, statement, path)
        return
    from psycopg.conninfo import make_conninfo

    with pg.cursor() as cur:
        cur.execute("SELECT pg_export_snapshot()")
        (snapshot,) = cur.fetchone()
    conninfo = make_conninfo(pg.info.dsn, password=pg.info.password or None)
    lines = [job for job in jobs if "orders_orderline" in job[0]]
    rest = [job for job in jobs if job not in lines]
    helpers = []
    for group in (lines, rest):
        helper = subprocess.Popen(
            [sys.executable, "-m", "omniloop.insights.feature_duck"],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert helper.stdin is not None
        helper.stdin.write(
            json.dumps({"conninfo": conninfo, "snapshot": snapshot, "jobs": group}).encode()
        )
        helper.stdin.close()
        helpers.append(helper)
    failures = []
    for helper in helpers:
        assert helper.stderr is not None
        err = helper.stderr.read()
        if helper.wait():
            failures.append(err.decode(errors="replace")[-2000:])
    if failures:
        raise RuntimeError("feature export helper failed: " + " | ".join(failures))


@contextmanager
def _duck(tmp: str) -> Iterator[Any]:
    """An in-process DuckDB held to OMNILOOP_FEATURES_DUCKDB_MEMORY (default 1GB): beyond it
    DuckDB spills to the rebuild's temporary directory instead of growing the worker. At 1M
    members and 20M lines: 1.3 GB peak RSS and 34 s, against 3.2 GB and 30 s unbounded; a
    database file on disk instead took 41 s."""
    import duckdb  # a heavy import, only for the rebuild
    from django.conf import settings

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET temp_directory = '{Path(tmp) / 'spill'}'")
        con.execute(
            "SET memory_limit = $limit", {"limit": settings.OMNILOOP_FEATURES_DUCKDB_MEMORY}
        )
        con.execute("SET preserve_insertion_order = false")
        yield con
    finally:
        con.close()


def _breaks(row: tuple[Any, ...] | None) -> RfmBreaks:
    values = list(row) if row else [None] * 12

    def when(v: Any) -> datetime | None:
        return None if v is None else _EPOCH + timedelta(microseconds=int(v))

    return RfmBreaks(
        r=tuple(when(v) for v in values[0:4]),
        f=tuple(None if v is None else int(v) for v in values[4:8]),
        m=tuple(None if v is None else Decimal(v).quantize(Decimal("0.01")) for v in values[8:12]),
    )


def stage_on_duckdb(pg: Any, *, as_of: datetime) -> RfmBreaks:
    """Fill the temporary `STAGE_TABLE` on `pg` (a psycopg connection inside the rebuild's
    transaction) with the aggregation half computed by DuckDB; return the RFM breakpoints of
    the staged rows. The caller drops the table when done with it (and it goes at commit)."""
    from psycopg import ClientCursor

    export_params = Params("x")
    counted = counted_order_filter("o", export_params)
    export_values = {**export_params.values, "as_of": as_of}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="omniloop-features-") as tmp, _duck(tmp) as duck:
        jobs = []
        with ClientCursor(pg) as cur:
            for name, (_schema, query) in _EXPORTS.items():
                statement = f"COPY ({query.format(counted=counted)}) TO STDOUT WITH (FORMAT csv)"
                jobs.append((cur.mogrify(statement, export_values), str(Path(tmp) / f"{name}.csv")))
        _export_all(pg, jobs)
        for name, (schema, _query) in _EXPORTS.items():
            path = Path(tmp) / f"{name}.csv"
            columns = ", ".join(
                f"'{col.split()[0]}': '{' '.join(col.split()[1:])}'" for col in schema.split(", ")
            )
            duck.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv('{path}', header = false,"
                f" columns = {{{columns}}}, auto_detect = false, delim = ',', quote = '\"',"
                " escape = '\"', allow_quoted_nulls = false)"  # PostgreSQL's CSV: "" is not NULL
            )
        exported = time.perf_counter()
        params = Params("fs")
        sql = _duck_params(stage_select(as_of=as_of, params=params))
        used = {k: v for k, v in params.values.items() if f"${k}" in sql}  # DuckDB refuses extras
        duck.execute(f"CREATE TABLE stage AS {sql}", used)
        # times as epoch microseconds, amounts as text: no time-zone or float conversion in Python
        row = duck.execute(
            "SELECT epoch_us(r1), epoch_us(r2), epoch_us(r3), epoch_us(r4), f1, f2, f3, f4,"
            " m1::VARCHAR, m2::VARCHAR, m3::VARCHAR, m4::VARCHAR"
            f" FROM ({rfm_breaks_select('stage')}) breaks"
        ).fetchone()
        computed = time.perf_counter()
        out = Path(tmp) / "stage.csv"
        cols = ", ".join(STAGE_COLUMNS)
        duck.execute(f"COPY (SELECT {cols} FROM stage) TO '{out}' (FORMAT csv, HEADER false)")
        with pg.cursor() as cur:
            cur.execute(_STAGE_DDL)
            load = f"COPY {STAGE_TABLE} ({cols}) FROM STDIN WITH (FORMAT csv)"
            with cur.copy(load) as copy, out.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    copy.write(chunk)
            cur.execute(f"ANALYZE {STAGE_TABLE}")
    log.info(
        "features staged on DuckDB: export %.2fs, aggregate %.2fs, load %.2fs",
        exported - started,
        computed - exported,
        time.perf_counter() - computed,
    )
    return _breaks(row)


if __name__ == "__main__":
    main()
