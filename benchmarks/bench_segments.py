# ruff: noqa: E501 (SQL kept on long lines)
"""Member features and segments at scale on PostgreSQL: the full feature rebuild against a
reference DuckDB query computing the same RFM and category features from the same rows, and
one segment evaluation over every member.

    .venv/bin/python benchmarks/bench_segments.py [--members 1000000] [--lines 20000000]

Creates the database `omniloop_bench_segments`, migrates, generates members, stores, a catalog
and orders with lines set-based in SQL (about 2.5 lines per order, three years of history),
exports the rows to Parquet for DuckDB (not timed), then times, best of `--rounds`:
- rebuild: `features_rebuild()` with its default engine on PostgreSQL (ADR 48: the rows
  streamed to DuckDB, aggregated there, finished in PostgreSQL), and with the SQL engine (one
  INSERT ... SELECT ... GROUP BY with window functions; `--sql-rounds 0` skips it);
- reference: DuckDB's `CREATE TABLE ... AS` of the same per-member aggregates, RFM quintiles
  and favourite category over the Parquet files (all cores DuckDB wants);
- segment: `segment_count` of a rule over the materialised features (recency, RFM, tier, city).
Writes benchmarks/results-segments.json and drops the database (unless --keep; `--reuse --keep`
times a kept database again without generating it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--lines", type=int, default=20_000_000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_segments")
    p.add_argument("--sql-rounds", type=int, default=1, help="rounds of the SQL engine (0: skip)")
    p.add_argument(
        "--reuse", action="store_true", help="time a kept database again (no generation)"
    )
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--out", default=str(HERE / "results-segments.json"))
    return p.parse_args()


GENERATE = """
INSERT INTO stores_store (code, name, name_en, city, address, type, timezone, status, created_at)
SELECT 'st' || i, 'Store ' || i, '', 'City ' || (i % 10), '', 'direct',
       CASE WHEN i % 5 = 0 THEN 'Asia/Tokyo' ELSE 'Asia/Shanghai' END, 'open', now()
FROM generate_series(1, 50) i;
INSERT INTO stores_saleschannel (code, name, name_en, kind, platform, external_id, active)
VALUES ('till', 'Till', '', 'store_till', '', '', true), ('mall', 'Mall', '', 'wechat_mall', '', '', true);
INSERT INTO catalog_category (code, name, name_en) SELECT 'cat' || i, 'Cat ' || i, '' FROM generate_series(1, 20) i;
INSERT INTO catalog_product (style_code, name, name_en, description, description_en, category_id,
  material, material_en, origin, origin_en, care, care_en, list_price, status, department, brand, created_at)
SELECT 'p' || i, 'P ' || i, '', '', '', (SELECT min(id) FROM catalog_category) + i % 20,
  '', '', '', '', '', '', 99, 'active', 'd' || (i % 4), 'b' || (i % 3), now()
FROM generate_series(1, 400) i;
INSERT INTO catalog_sku (product_id, sku_code, barcode, size, color, color_en, active)
SELECT p.id, p.style_code || '-' || s, p.style_code || '-' || s, s::text, 'c', '', true
FROM catalog_product p, generate_series(1, 3) s;
INSERT INTO members_member (code, external_ref, name, gender, city, tier, status, join_source, joined_at, created_at, birth_date)
SELECT 'M' || i, 'ref' || i, '', CASE i % 3 WHEN 0 THEN 'f' WHEN 1 THEN 'm' ELSE '' END,
  'City ' || (i % 10), (ARRAY['standard','silver','gold','platinum'])[1 + i % 4], 'active', 'import',
  now() - (i % 1500) * interval '1 day', now(), date '1960-01-01' + (i % 15000)
FROM generate_series(1, MEMBERS_N) i;
CREATE TEMP TABLE bench_ids AS SELECT min(id) AS m0, (SELECT min(id) FROM stores_store) AS s0,
  (SELECT min(id) FROM catalog_sku) AS k0, (SELECT count(*) FROM catalog_sku) AS kn,
  (SELECT min(id) FROM stores_saleschannel) AS c0 FROM members_member;
INSERT INTO orders_order (id, number, channel_id, store_id, receipt_no, member_id, credit_rule, flow,
  fulfilment, total, discount_total, shipping_fee, points_redeemed, points_earned, points_value,
  refunded_total, status, pickup_code_hash, ordered_at, created_at)
SELECT g.id, 'N' || i, b.c0, b.s0 + i % 50, '', CASE WHEN i % 20 = 0 THEN NULL ELSE b.m0 + (hashint % MEMBERS_N) END,
  '', 'imported', 'in_store',
  (SELECT sum(10 + abs(hashtext(g.id::text || '+' || j)) % 300) FROM generate_series(1, 1 + g.id % 4) j),
  0, 0, 0, 0, 0, 0,
  CASE WHEN i % 40 = 0 THEN 'cancelled' ELSE 'completed' END, '',
  now() - ((hashint / 7) % (3 * 365 * 24 * 60)) * interval '1 minute', now()
FROM (SELECT i, abs(hashtext(i::text)) AS hashint, nextval('orders_order_id_seq') AS id
      FROM generate_series(1, ORDERS_N) i) g, bench_ids b;
INSERT INTO orders_orderline (order_id, sku_id, quantity, unit_price, discount, amount, returned_quantity)
SELECT o.id, b.k0 + abs(hashtext(o.id::text || '-' || j)) % b.kn, 1, 59, 0,
  10 + abs(hashtext(o.id::text || '+' || j)) % 300, 0
FROM orders_order o CROSS JOIN bench_ids b CROSS JOIN generate_series(1, 4) j
WHERE j <= 1 + o.id % 4;
ANALYZE;
"""

DUCK_REFERENCE = """
CREATE OR REPLACE TABLE ref_features AS
WITH co AS (
  SELECT o.id AS order_id, o.member_id, o.ordered_at, o.total - o.refunded_total AS spend
  FROM orders o JOIN members m ON m.id = o.member_id AND m.status = 'active'
  WHERE o.status IN ('paid', 'ready', 'shipped', 'completed')
    AND NOT (o.total > 0 AND o.refunded_total >= o.total) AND o.ordered_at < $as_of
), agg AS (
  SELECT member_id, min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at,
    count(*) AS orders_total, round(sum(spend), 2) AS spend_total,
    count(*) FILTER (WHERE ordered_at >= $as_of - INTERVAL 30 DAY) AS orders_30d,
    sum(CASE WHEN ordered_at >= $as_of - INTERVAL 30 DAY THEN spend ELSE 0 END) AS spend_30d,
    count(*) FILTER (WHERE ordered_at >= $as_of - INTERVAL 90 DAY) AS orders_90d,
    sum(CASE WHEN ordered_at >= $as_of - INTERVAL 90 DAY THEN spend ELSE 0 END) AS spend_90d,
    count(*) FILTER (WHERE ordered_at >= $as_of - INTERVAL 365 DAY) AS orders_365d,
    sum(CASE WHEN ordered_at >= $as_of - INTERVAL 365 DAY THEN spend ELSE 0 END) AS spend_365d
  FROM co GROUP BY member_id
), cat AS (
  SELECT co.member_id, p.category_id, sum(l.amount) AS amount
  FROM co JOIN lines l ON l.order_id = co.order_id JOIN skus k ON k.id = l.sku_id
  JOIN products p ON p.id = k.product_id WHERE l.returned_quantity < l.quantity
  GROUP BY ALL
), top AS (
  SELECT member_id, arg_max(category_id, amount) AS top_category_id,
    max(amount) / sum(amount) AS top_category_share FROM cat GROUP BY member_id
), b AS (
  SELECT quantile_disc(last_order_at, [0.2, 0.4, 0.6, 0.8]) AS r,
    quantile_disc(orders_total, [0.2, 0.4, 0.6, 0.8]) AS f,
    quantile_disc(spend_total, [0.2, 0.4, 0.6, 0.8]) AS m FROM agg
)
SELECT m.id AS member_id, a.*, t.top_category_id, t.top_category_share,
  1 + (a.last_order_at > b.r[1])::int + (a.last_order_at > b.r[2])::int
    + (a.last_order_at > b.r[3])::int + (a.last_order_at > b.r[4])::int AS rfm_r,
  1 + (a.orders_total > b.f[1])::int + (a.orders_total > b.f[2])::int
    + (a.orders_total > b.f[3])::int + (a.orders_total > b.f[4])::int AS rfm_f,
  1 + (a.spend_total > b.m[1])::int + (a.spend_total > b.m[2])::int
    + (a.spend_total > b.m[3])::int + (a.spend_total > b.m[4])::int AS rfm_m
FROM members m CROSS JOIN b LEFT JOIN agg a ON a.member_id = m.id
LEFT JOIN top t ON t.member_id = m.id WHERE m.status = 'active'
"""

SEGMENT_RULE = {
    "all": [
        {"field": "recency_days", "op": "<=", "value": 180},
        {"field": "rfm_f", "op": ">=", "value": 3},
        {"field": "tier", "op": "in", "value": ["gold", "platinum"]},
        {"not": {"field": "city", "op": "=", "value": "City 3"}},
    ]
}


def psql(args: argparse.Namespace, sql: str, db: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(
        host=args.pg_host, port=args.pg_port, user=args.pg_user, dbname=db, autocommit=True
    ) as conn:
        conn.execute(sql)


def best(fn, rounds: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    args = parse_args()
    url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db}"
    if not args.reuse:
        psql(args, f"DROP DATABASE IF EXISTS {args.db}")
        psql(args, f"CREATE DATABASE {args.db}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "omniloop.settings"}
    subprocess.run(
        [str(ROOT / ".venv/bin/omniloop"), "migrate", "--noinput", "-v", "0"], env=env, check=True
    )
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "omniloop.settings"})
    import django

    django.setup()
    import duckdb
    from django.db import connection

    from omniloop.insights.features import features_rebuild
    from omniloop.insights.selectors import segment_count

    started = time.perf_counter()
    with connection.cursor() as cur:
        if not args.reuse:
            for statement in GENERATE.split(";\n"):
                if statement.strip():
                    cur.execute(
                        statement.replace("MEMBERS_N", str(args.members)).replace(
                            "ORDERS_N", str(int(args.lines / 2.5))
                        )
                    )
        cur.execute("SELECT (SELECT count(*) FROM members_member), count(*) FROM orders_order")
        members, orders = cur.fetchone()
        cur.execute("SELECT count(*) FROM orders_orderline")
        (lines,) = cur.fetchone()
    args.members = members
    generated = time.perf_counter() - started
    print(f"generated {args.members} members, {orders} orders, {lines} lines in {generated:.1f}s")

    from omniloop.core import clock

    as_of = clock.now()
    with tempfile.TemporaryDirectory() as tmp:
        duck = duckdb.connect()
        tables = {
            "orders": "SELECT id, member_id, status, total, refunded_total, ordered_at FROM orders_order",
            "lines": "SELECT order_id, sku_id, amount, quantity, returned_quantity FROM orders_orderline",
            "skus": "SELECT id, product_id FROM catalog_sku",
            "products": "SELECT id, category_id FROM catalog_product",
            "members": "SELECT id, status FROM members_member",
        }
        raw = connection.connection
        for name, query in tables.items():
            path = Path(tmp) / f"{name}.csv"
            copy_sql = f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
            with raw.cursor() as cur, path.open("wb") as fh, cur.copy(copy_sql) as copy:
                for chunk in copy:
                    fh.write(chunk)
            duck.execute(
                f"CREATE TABLE {name} AS SELECT * FROM read_csv_auto('{path}', header=true)"
            )
        duck.execute("SET TimeZone = 'UTC'")

        def reference() -> None:
            duck.execute(DUCK_REFERENCE, {"as_of": as_of})

        ref_s = best(reference, args.rounds)
        ref_rows = duck.execute(
            "SELECT count(*), count(last_order_at) FROM ref_features"
        ).fetchone()

    import logging

    from django.conf import settings

    logging.basicConfig(level=logging.INFO, format="%(message)s")
    rebuild_s = best(lambda: features_rebuild(as_of=as_of), args.rounds)  # the DuckDB engine
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(last_order_at) FROM insights_memberfeatures")
        our_rows = cur.fetchone()
    assert tuple(our_rows) == tuple(ref_rows), (our_rows, ref_rows)
    sql_s = None
    if args.sql_rounds:
        settings.OMNILOOP_FEATURES_ENGINE = "sql"
        sql_s = best(lambda: features_rebuild(as_of=as_of), args.sql_rounds)
        settings.OMNILOOP_FEATURES_ENGINE = "duckdb"

    counts: list[int] = []
    seg_s = best(lambda: counts.append(segment_count(SEGMENT_RULE)[0]), max(3, args.rounds))
    result = {
        "members": args.members,
        "orders": orders,
        "lines": lines,
        "rebuild_s": round(rebuild_s, 3),
        "duckdb_reference_s": round(ref_s, 3),
        "rebuild_over_reference": round(rebuild_s / ref_s, 2),
        "rebuild_sql_engine_s": None if sql_s is None else round(sql_s, 3),
        "sql_engine_over_reference": None if sql_s is None else round(sql_s / ref_s, 2),
        "segment_eval_s": round(seg_s, 4),
        "segment_count": counts[-1],
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    connection.close()
    if not args.keep:
        psql(args, f"DROP DATABASE IF EXISTS {args.db}")


if __name__ == "__main__":
    sys.exit(main())
