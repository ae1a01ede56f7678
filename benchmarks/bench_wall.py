# ruff: noqa: E501 (SQL kept on long lines)
"""The marketing wall at scale on PostgreSQL: p95 of each wall page over the daily cells.

    .venv/bin/python benchmarks/bench_wall.py [--members 1000000] [--lines 20000000]
    .venv/bin/python benchmarks/bench_wall.py --members 2000 --lines 20000   # smoke size

Creates the database `omniloop_bench_wall`, migrates, and generates set-based in SQL: 50 stores
in two time zones, 200 assistants with cards, a counter per store, 3 sales channels, members
(70% bound to a recruiting store, assistant and touchpoint), two scans per member, orders with
lines over two years (about 2.5 lines an order; every flow, credited stores and assistants) and
refunds on 3% of them. Then it times `wall_rebuild()` (the set-based rebuild, reported, not the
target) and requests each wall page as an HQ admin through Django's test client, `--requests`
times each for the last 30 days and for the last 365 days (and the overview for one store as
its store manager), reporting p50 and p95 in milliseconds. Target: p95 < 1 s at 1M members and
20M lines. Writes benchmarks/results-wall.json and drops the database (unless --keep).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--members", type=int, default=1_000_000)
    p.add_argument("--lines", type=int, default=20_000_000)
    p.add_argument("--requests", type=int, default=20, help="requests per page and period")
    p.add_argument("--pg-host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--pg-port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    p.add_argument("--pg-user", default=os.environ.get("PGUSER", "postgres"))
    p.add_argument("--db", default="omniloop_bench_wall")
    p.add_argument("--keep", action="store_true", help="keep the database afterwards")
    p.add_argument("--out", default=str(HERE / "results-wall.json"))
    return p.parse_args()


GENERATE = """
INSERT INTO stores_store (code, name, name_en, city, address, type, timezone, status, created_at)
SELECT 'st' || i, '门店' || i, 'Store ' || i, 'City ' || (i % 10), '', 'direct',
       CASE WHEN i % 5 = 0 THEN 'Asia/Tokyo' ELSE 'Asia/Shanghai' END, 'open', now()
FROM generate_series(1, 50) i;
INSERT INTO stores_saleschannel (code, name, name_en, kind, platform, external_id, active)
VALUES ('till', '门店收银', 'Store till', 'store_till', '', '', true),
       ('mall', '微商城', 'WeChat mall', 'wechat_mall', '', '', true),
       ('tmall', '天猫', 'Tmall', 'marketplace', 'tmall', '', true);
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
SELECT 'M' || i, 'ref' || i, '', '', 'City ' || (i % 10), 'standard', 'active',
  (ARRAY['scan','scan','scan','h5','till','import','wechat'])[1 + i % 7],
  now() - (abs(hashtext('j' || i)) % (2 * 365 * 24 * 60)) * interval '1 minute', now(), NULL
FROM generate_series(1, MEMBERS_N) i;
CREATE TEMP TABLE bench_ids AS SELECT min(id) AS m0, (SELECT min(id) FROM stores_store) AS s0,
  (SELECT min(id) FROM catalog_sku) AS k0, (SELECT count(*) FROM catalog_sku) AS kn,
  (SELECT min(id) FROM stores_saleschannel) AS c0,
  (SELECT min(id) FROM accounts_user WHERE role = 'assistant') AS a0,
  (SELECT min(id) FROM touchpoints_touchpoint WHERE kind = 'assistant_card') AS card0,
  (SELECT min(id) FROM touchpoints_touchpoint WHERE kind = 'store_counter') AS counter0
FROM members_member;
INSERT INTO attribution_memberbinding (member_id, store_id, assistant_id, bound_at, protected_until,
  touchpoint_id, recruited_store_id, recruited_assistant_id)
SELECT m.id, b.s0 + (m.id % 200) / 4, CASE WHEN m.id % 2 = 0 THEN b.a0 + m.id % 200 END, m.joined_at,
  m.joined_at + interval '90 days',
  CASE WHEN m.id % 2 = 0 THEN b.card0 + m.id % 200 ELSE b.counter0 + (m.id % 200) / 4 END,
  b.s0 + (m.id % 200) / 4, CASE WHEN m.id % 2 = 0 THEN b.a0 + m.id % 200 END
FROM members_member m, bench_ids b WHERE m.id % 10 < 7;
INSERT INTO attribution_bindingchange (member_id, kind, from_store_id, from_assistant_id, to_store_id,
  to_assistant_id, source, touchpoint_id, actor, reason, changed_at)
SELECT member_id, 'initial', NULL, NULL, store_id, assistant_id, 'join', touchpoint_id, '', '', bound_at
FROM attribution_memberbinding;
INSERT INTO touchpoints_scanevent (touchpoint_id, visitor_id, member_id, store_id, assistant_id, product_id, scanned_at, user_agent)
SELECT mb.touchpoint_id, NULL, mb.member_id, mb.store_id, mb.assistant_id, NULL,
  mb.bound_at - s * interval '3 minutes', ''
FROM attribution_memberbinding mb, generate_series(1, 2) s;
INSERT INTO orders_order (number, channel_id, store_id, receipt_no, member_id, credited_store_id,
  credited_assistant_id, credit_rule, flow, fulfilment, touchpoint_id, total, discount_total, shipping_fee,
  points_redeemed, points_earned, points_value, refunded_total, status, pickup_code_hash, ordered_at, paid_at, created_at)
SELECT 'N' || i, b.c0 + CASE WHEN f < 6 THEN 0 WHEN f < 9 THEN 1 ELSE 2 END,
  CASE WHEN f IN (6, 9) THEN NULL ELSE b.s0 + i % 50 END, '',
  CASE WHEN i % 20 = 0 THEN NULL ELSE b.m0 + (hashint % MEMBERS_N) END,
  CASE WHEN f = 9 THEN NULL ELSE b.s0 + i % 50 END,
  CASE WHEN i % 3 = 0 THEN b.a0 + (i % 50) * 4 + i % 4 END, '',
  (ARRAY['store_sale','store_sale','store_sale','store_sale','store_sale','endless_aisle','online','pickup','scan_to_buy','marketplace'])[1 + f],
  'in_store', NULL, 0, 0, 0, 0, 0, 0, 0, 'completed', '', at, at, now()
FROM (SELECT i, abs(hashtext(i::text)) AS hashint, abs(hashtext('f' || i)) % 10 AS f,
             now() - (abs(hashtext('t' || i)) % (2 * 365 * 24 * 60)) * interval '1 minute' AS at
      FROM generate_series(1, ORDERS_N) i) g, bench_ids b;
INSERT INTO orders_orderline (order_id, sku_id, quantity, unit_price, discount, amount, returned_quantity)
SELECT o.id, b.k0 + abs(hashtext(o.id::text || '-' || j)) % b.kn, 1, 59, 0,
  10 + abs(hashtext(o.id::text || '+' || j)) % 300, 0
FROM orders_order o CROSS JOIN bench_ids b CROSS JOIN generate_series(1, 4) j
WHERE j <= 1 + o.id % 4;
UPDATE orders_order o SET total = s.t FROM (SELECT order_id, sum(amount) t FROM orders_orderline GROUP BY order_id) s
WHERE s.order_id = o.id;
INSERT INTO orders_orderreturn (order_id, reference, fingerprint, store_id, amount, money_amount,
  points_restored, points_reversed, points_owed, coupons_restored, reason, actor_id, created_at)
SELECT id, 'R' || id, '', store_id, round(total / 2, 2), round(total / 2, 2), 0, 0, 0, 0, '', NULL,
  paid_at + interval '3 days'
FROM orders_order WHERE id % 33 = 0;
UPDATE orders_order o SET refunded_total = r.amount FROM orders_orderreturn r WHERE r.order_id = o.id;
ANALYZE;
"""


def psql(args: argparse.Namespace, sql: str, db: str = "postgres") -> None:
    import psycopg

    with psycopg.connect(
        host=args.pg_host, port=args.pg_port, user=args.pg_user, dbname=db, autocommit=True
    ) as conn:
        conn.execute(sql)


def _ms(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    p95 = values[max(0, round(0.95 * len(values)) - 1)]
    return {"p50_ms": round(statistics.median(values) * 1000, 1), "p95_ms": round(p95 * 1000, 1)}


def main() -> None:
    args = parse_args()
    url = f"postgres://{args.pg_user}@{args.pg_host}:{args.pg_port}/{args.db}"
    psql(args, f"DROP DATABASE IF EXISTS {args.db}")
    psql(args, f"CREATE DATABASE {args.db}")
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "omniloop.settings"}
    subprocess.run(
        [str(ROOT / ".venv/bin/omniloop"), "migrate", "--noinput", "-v", "0"], env=env, check=True
    )
    os.environ.update({**env, "DEBUG": "0"})
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from omniloop.accounts.models import Role, User
    from omniloop.accounts.services import staff_create
    from omniloop.stores.models import Store
    from omniloop.touchpoints.models import Touchpoint
    from omniloop.touchpoints.services import touchpoint_create
    from omniloop.wall.pages import PAGES
    from omniloop.wall.rebuild import wall_rebuild

    with connection.cursor() as cur:  # the stores first, then staff and codes through services
        cur.execute(GENERATE.split(";\n")[0])
    stores = list(Store.objects.order_by("pk"))
    for i in range(200):
        store = stores[i // 4]
        user = staff_create(
            username=f"as{i}",
            password="bench-password-1",
            role=Role.ASSISTANT,
            store=store,
            display_name=f"Assistant {i}",
            staff_code=f"B{i:05d}",
        )
        touchpoint_create(
            kind=Touchpoint.Kind.ASSISTANT_CARD, store_id=store.pk, assistant_id=user.pk
        )
    for store in stores:
        touchpoint_create(kind=Touchpoint.Kind.STORE_COUNTER, store_id=store.pk)
    orders = int(args.lines / 2.5)
    started = time.perf_counter()
    with connection.cursor() as cur:
        for statement in GENERATE.split(";\n")[1:]:
            if statement.strip():
                cur.execute(
                    statement.replace("MEMBERS_N", str(args.members)).replace(
                        "ORDERS_N", str(orders)
                    )
                )
        cur.execute("SELECT count(*) FROM orders_orderline")
        (lines,) = cur.fetchone()
    generated = time.perf_counter() - started
    print(f"generated {args.members} members, {orders} orders, {lines} lines in {generated:.1f}s")

    started = time.perf_counter()
    counts = wall_rebuild()
    rebuild_s = time.perf_counter() - started
    print(f"wall_rebuild in {rebuild_s:.1f}s: {counts}")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    hq = staff_create(
        username="bench-hq", password="bench-password-1", role=Role.HQ_ADMIN, store=None
    )
    manager = staff_create(
        username="bench-manager",
        password="bench-password-1",
        role=Role.STORE_MANAGER,
        store=stores[0],
    )
    results: dict[str, dict[str, float]] = {}

    def measure(label: str, user: User, path: str) -> None:
        client = Client()
        client.force_login(user)
        assert client.get(path).status_code == 200  # warm-up (first use of each query)
        times = []
        for _ in range(args.requests):
            began = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - began)
            assert response.status_code == 200, (path, response.status_code)
        results[label] = _ms(times)
        print(label, results[label])

    from omniloop.wall.selectors import wall_today

    today = wall_today()
    for days in (30, 365):
        start = today.toordinal() - days + 1
        from datetime import date

        query = f"?from={date.fromordinal(start):%Y-%m-%d}&to={today:%Y-%m-%d}"
        for page in PAGES:
            path = "/dashboard/wall/" if page == "overview" else f"/dashboard/wall/{page}/"
            measure(f"{page}_{days}d", hq, path + query)
        measure(f"overview_{days}d_store_manager", manager, "/dashboard/wall/" + query)
    result = {
        "members": args.members,
        "orders": orders,
        "lines": lines,
        "rebuild_s": round(rebuild_s, 2),
        "pages": results,
        "worst_p95_ms": max(r["p95_ms"] for r in results.values()),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=1))
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    connection.close()
    if not args.keep:
        psql(args, f"DROP DATABASE IF EXISTS {args.db}")


if __name__ == "__main__":
    sys.exit(main())
