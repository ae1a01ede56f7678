"""Seed the benchmark database and capture the SQL each benchmarked request sends.

Run by run.py in a child process with DATABASE_URL pointing at the bench database (already
migrated): `python benchmarks/prepare.py OUT.json --members 50 --background 2000`.

It writes OUT.json with the till token, the pool of members the load picks from, and for each
benchmarked request the statements it sent, in order, as the server received them (psycopg
renders parameters client-side, so the text is exact), with the BEGIN/COMMIT that psycopg adds
around Django's atomic blocks. run.py turns those into pgbench scripts.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "omniloop.settings")

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

from omniloop.accounts.models import Role  # noqa: E402
from omniloop.accounts.services import staff_create, token_create  # noqa: E402
from omniloop.attribution.models import MemberBinding  # noqa: E402
from omniloop.attribution.services import binding_touch  # noqa: E402
from omniloop.catalog.models import Category, Product, Sku  # noqa: E402
from omniloop.core.brand import brand_settings  # noqa: E402
from omniloop.core.phones import parse_phone  # noqa: E402
from omniloop.members.codes import new_member_code  # noqa: E402
from omniloop.members.models import IdentityKind, Member, MemberIdentity  # noqa: E402
from omniloop.members.services import member_create, phone_attach  # noqa: E402
from omniloop.promotions.models import Coupon  # noqa: E402
from omniloop.stores.models import Store  # noqa: E402

SEQUENCE_STEP = 1_000_000_000
SKU = "BK100-M"
# Every benchmarked sale redeems a single-use coupon (¥50 off, the issue's "till sale with a
# coupon"). The HTTP load takes `A...` coupons in order; pgbench client c, in its r-th run, takes
# `P<c * PG_CLIENT_STEP + r * per_run + n>` for its n-th transaction, whose id is that number
# plus PG_COUPON_ID_OFFSET above the coupon table's sequence base (see pgscripts.py).
PG_CLIENT_STEP = 10_000_000
PG_COUPON_ID_OFFSET = 500_000_000
COUPON_OFF = "50.00"
CAPTURE_KEY = "capture-key-0000000001"
CAPTURE_RECEIPT = "capture-receipt-0000000001"
# The `sale_points` benchmark: members of their own pool (never in `members`), each holding one
# seeded lot large enough for a million sales, pay POINTS_PAID of each sale with points.
SEED_POINTS = 1_000_000_000
POINTS_PAID = 1000


def pool_phone(i: int) -> str:
    return f"1390139{i:04d}"


def background_phone(i: int) -> str:
    return f"1370137{i:04d}"


def points_phone(i: int) -> str:
    return f"1380138{i:04d}"


def distinctive_sequences() -> dict[str, int]:
    """Start every bigint id sequence at its own multiple of 10^9, so any id in captured SQL is
    a number that appears nowhere else and can be swapped for a pgbench variable safely."""
    with connections["default"].cursor() as cur:
        cur.execute(
            "SELECT c.table_name FROM information_schema.columns c "
            "WHERE c.table_schema = 'public' AND c.column_name = 'id' "
            "AND c.data_type = 'bigint' "
            "AND pg_get_serial_sequence(quote_ident(c.table_name), 'id') IS NOT NULL "
            "ORDER BY c.table_name"
        )
        tables = [row[0] for row in cur.fetchall()]
        bases = {}
        for k, table in enumerate(tables, start=1):
            bases[table] = k * SEQUENCE_STEP
            cur.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)",
                [f'"{table}"', bases[table]],
            )
    return bases


def seed(members: int, background: int, points_members: int) -> dict[str, Any]:
    brand_settings()
    store = Store.objects.create(
        code="bench01", name="基准店", name_en="Bench store", city="上海", timezone="Asia/Shanghai"
    )
    assistant = staff_create(
        username="bench-assistant",
        password="bench-password-not-secret",
        role=Role.ASSISTANT,
        store=store,
        display_name="Bench assistant",
        staff_code="A90001",
    )
    category = Category.objects.create(code="tops", name="上装", name_en="Tops")
    product = Product.objects.create(
        style_code="BK100",
        name="基准衬衫",
        name_en="Bench shirt",
        category=category,
        list_price="399.00",
        status=Product.Status.ACTIVE,
    )
    for size in ("S", "M", "L"):
        Sku.objects.create(
            product=product,
            sku_code=f"BK100-{size}",
            barcode=f"6990000{ord(size):03d}",
            size=size,
            color="白",
            color_en="White",
        )
    # Members the load never touches, so lookups do not run against near-empty tables.
    others = Member.objects.bulk_create(
        [Member(code=new_member_code(), joined_at=store.created_at) for _ in range(background)]
    )
    MemberIdentity.objects.bulk_create(
        [
            MemberIdentity(
                member=m,
                kind=IdentityKind.PHONE,
                value=p.index,
                cipher=p.encrypt(),
                masked=p.masked,
                source="bench",
            )
            for i, m in enumerate(others)
            for p in [parse_phone(background_phone(i))]
        ]
    )

    def bound_member(number: str) -> dict[str, Any]:
        member = member_create(join_source="bench")
        phone = parse_phone(number)
        ident = phone_attach(member=member, phone=phone, source="bench")
        # Bound to this store and assistant: a sale then takes the steady-state path.
        binding_touch(member=member, store_id=store.pk, assistant_id=assistant.pk, source="bench")
        binding = MemberBinding.objects.get(member=member)
        return {
            "id": member.pk,
            "code": member.code,
            "phone": number,
            "phone_index": phone.index,
            "identity_id": ident.pk,
            "binding_id": binding.pk,
        }

    pool = [bound_member(pool_phone(i)) for i in range(members)]
    points_pool = seed_points([bound_member(points_phone(i)) for i in range(points_members)])
    till = token_create(name="bench till", store=store)
    return {
        "token": till.secret,
        "store": store.code,
        "assistant": assistant.staff_code,
        "sku": SKU,
        "price": "399.00",
        "members": pool,
        "points_members": points_pool,
    }


def seed_points(pool: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each member of `pool` one lot of SEED_POINTS (the demo's bulk path, the same rows as
    `points_earn`), and record what the `sale_points` scripts substitute per member: the account
    and lot ids and the fingerprints of the sale's burn and earn (they hash the member's id)."""
    from omniloop.core import clock
    from omniloop.loyalty.bulk import NewMemberEarn, points_earn_for_new_members
    from omniloop.loyalty.ledger import fingerprint
    from omniloop.loyalty.models import PointsLot

    now = clock.now()
    points_earn_for_new_members(
        [NewMemberEarn(m["id"], SEED_POINTS, f"bench-seed:{m['id']}", now) for m in pool]
    )
    lots = PointsLot.objects.filter(account__member_id__in=[m["id"] for m in pool])
    rows = lots.values_list("account__member_id", "account_id", "pk")
    by_member = {row[0]: row[1:] for row in rows}
    for m in pool:
        m["account_id"], m["lot_id"] = by_member[m["id"]]
        m["fp_burn"] = fingerprint("burn", member=m["id"], points=POINTS_PAID)
    return pool


def seed_coupons(api: int, pg_clients: int, pg_per_client: int, base: int) -> dict[str, Any]:
    """A live ¥50-off coupon template; `api` coupons for the HTTP load and `pg_per_client` for
    each pgbench client, all bearer coupons (no member) with single-use codes."""
    from omniloop.core import clock
    from omniloop.promotions.coupons import coupon_template_create
    from omniloop.promotions.models import Coupon, CouponTemplate, Offer

    offer = Offer.objects.create(
        name="立减50",
        kind="amount_off",
        params={"amount": 5000},
        status=Offer.Status.ACTIVE,
        all_products=True,
        coupon_only=True,
    )
    template = coupon_template_create(offer=offer, name="基准券", valid_days=365)
    # The pool's 50 members redeem thousands each: lift the per-member limit out of the way
    # (the service caps it at 1,000; the check and its statement stay the same).
    CouponTemplate.objects.filter(pk=template.pk).update(per_member_limit=2_000_000_000)
    now = clock.now()

    def coupon(code: str, pk: int | None = None) -> Coupon:
        return Coupon(
            pk=pk,
            template=template,
            code=code,
            source="bench",
            valid_from=now,
            valid_until=now + timedelta(days=365),
            issued_at=now,
        )

    api_codes = [f"A{i:011d}" for i in range(1, api + 1)]
    Coupon.objects.bulk_create([coupon(c) for c in api_codes], batch_size=5000)
    pg = [
        coupon(f"P{n}", base + PG_COUPON_ID_OFFSET + n)
        for c in range(pg_clients)
        for n in range(c * PG_CLIENT_STEP + 1, c * PG_CLIENT_STEP + pg_per_client + 1)
    ]
    Coupon.objects.bulk_create(pg, batch_size=5000)
    return {"api_coupons": api_codes, "coupon_id_base": base, "pg_coupons": pg_per_client}


def sale_body(
    receipt: str, member_code: str, assistant: str, coupon: str | None = None, points: int = 0
) -> dict[str, Any]:
    price, off = Decimal("399.00"), Decimal(COUPON_OFF if coupon else "0.00")
    extra = {"points": points} if points else {}
    return {
        **extra,
        "receipt_no": receipt,
        "member_code": member_code,
        "assistant": assistant,
        "coupon_codes": [coupon] if coupon else [],
        "lines": [
            {
                "sku": SKU,
                "quantity": 1,
                "unit_price": str(price),
                "discount": str(off),
                "amount": str(price - off),
            }
        ],
        "total": str(price - off),
    }


@contextmanager
def capture() -> Iterator[list[str]]:
    """Every statement sent on the default connection, plus the BEGIN and COMMIT that psycopg
    sends around an atomic block (Django does not route those through a cursor)."""
    conn = connections["default"]
    events: list[str] = []
    state = {"in_txn": False}

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
        if not conn.autocommit and not state["in_txn"]:
            events.append("BEGIN")
            state["in_txn"] = True
        result = execute(sql, params, many, ctx)
        driver = ctx["cursor"].cursor
        if params is not None and not isinstance(driver, psycopg.ClientCursor):
            text = conn.ops.compose_sql(sql, params)  # server-bound (core.rows, ADR 46)
        else:
            text = conn.ops.last_executed_query(driver, sql, params)
        events.append(text)
        return result

    def finish(original: Callable[[], None], word: str) -> Callable[[], None]:
        def run() -> None:
            if state["in_txn"]:
                events.append(word)
                state["in_txn"] = False
            original()

        return run

    conn.ensure_connection()
    original_commit, original_rollback = conn.commit, conn.rollback
    conn.commit = finish(original_commit, "COMMIT")  # type: ignore[method-assign]
    conn.rollback = finish(original_rollback, "ROLLBACK")  # type: ignore[method-assign]
    try:
        with conn.execute_wrapper(record):
            yield events
    finally:
        del conn.commit, conn.rollback


def max_ids(bases: dict[str, int]) -> dict[str, int]:
    """The highest id of each table (its sequence base when empty)."""
    with connections["default"].cursor() as cur:
        out = {}
        for table, base in bases.items():
            cur.execute(f'SELECT coalesce(max(id), %s) FROM "{table}"', [base])
            out[table] = cur.fetchone()[0]
    return out


def request(client: Client, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def capture_requests(seeded: dict[str, Any], bases: dict[str, int]) -> dict[str, Any]:
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {seeded['token']}"}
    first = seeded["members"][0]
    sale_url = "/api/v1/pos/sales"
    identify_url = "/api/v1/pos/members/identify"
    # Warm up: first use of the token, the till channel row and the brand settings row. The
    # warm-up and the captured sale take the last coupons of the HTTP load's list.
    coupons = seeded["api_coupons"]
    for i, m in enumerate(seeded["members"][:2]):
        body = sale_body(f"warmup-{i}", m["code"], seeded["assistant"], coupons.pop())
        r = request(client, sale_url, body, HTTP_IDEMPOTENCY_KEY=f"warmup-key-{i:04d}", **auth)
        assert r.status_code == 201, r.content
    code = coupons.pop()
    body = sale_body(CAPTURE_RECEIPT, first["code"], seeded["assistant"], code)
    before = max_ids(bases)
    with capture() as sale_sql:
        r = request(client, sale_url, body, HTTP_IDEMPOTENCY_KEY=CAPTURE_KEY, **auth)
    assert r.status_code == 201, r.content
    generated = {
        table: list(range(before[table] + 1, top + 1))
        for table, top in max_ids(bases).items()
        if top > before[table]
    }
    number = r.json()["number"]
    with capture() as replay_sql:
        r = request(client, sale_url, body, HTTP_IDEMPOTENCY_KEY=CAPTURE_KEY, **auth)
    assert r.status_code == 201 and r["Idempotent-Replayed"] == "true", r.content
    points_sale = capture_points_sale(client, seeded, bases, coupons, auth)
    with capture() as identify_sql:
        r = request(client, identify_url, {"phone": first["phone"]}, **auth)
    assert r.status_code == 200 and r.json()["member_code"] == first["code"], r.content
    return {
        "sale": {
            "sql": sale_sql,
            "key": CAPTURE_KEY,
            "receipt": CAPTURE_RECEIPT,
            "number": number,
            "body": body,
            "generated_ids": generated,
            "coupon_code": code,
            "coupon_id": Coupon.objects.get(code=code).pk,
        },
        "sale_points": points_sale,
        "replay": {"sql": replay_sql, "key": CAPTURE_KEY, "body": body},
        "identify": {"sql": identify_sql, "body": {"phone": first["phone"]}},
    }


def capture_points_sale(
    client: Client,
    seeded: dict[str, Any],
    bases: dict[str, int],
    coupons: list[str],
    auth: dict[str, str],
) -> dict[str, Any]:
    """A sale by a points member that redeems a coupon, pays POINTS_PAID with points and earns
    points: captured like the plain sale (after a warm-up one by another points member)."""
    from omniloop.loyalty.ledger import fingerprint

    url = "/api/v1/pos/sales"
    pool = seeded["points_members"]
    warm = sale_body(
        "warmup-points", pool[1]["code"], seeded["assistant"], coupons.pop(), POINTS_PAID
    )
    r = request(client, url, warm, HTTP_IDEMPOTENCY_KEY="warmup-points-key", **auth)
    assert r.status_code == 201, r.content
    code = coupons.pop()
    key, receipt = "capture-points-key-0000000001", "capture-points-receipt-0000001"
    body = sale_body(receipt, pool[0]["code"], seeded["assistant"], code, POINTS_PAID)
    before = max_ids(bases)
    with capture() as sql:
        r = request(client, url, body, HTTP_IDEMPOTENCY_KEY=key, **auth)
    assert r.status_code == 201, r.content
    answer = r.json()
    assert answer["points_redeemed"] == POINTS_PAID and answer["points_earned"] > 0, answer
    # Every points member's sale earns the same points: its earn fingerprint is theirs.
    for m in pool:
        m["fp_earn"] = fingerprint(
            "earn", member=m["id"], points=answer["points_earned"], expires_at=None
        )
    return {
        "sql": sql,
        "key": key,
        "receipt": receipt,
        "number": answer["number"],
        "body": body,
        "to_pay": answer["to_pay"],
        "points_earned": answer["points_earned"],
        "generated_ids": {
            table: list(range(before[table] + 1, top + 1))
            for table, top in max_ids(bases).items()
            if top > before[table]
        },
        "coupon_code": code,
        "coupon_id": Coupon.objects.get(code=code).pk,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--members", type=int, default=50)
    parser.add_argument("--background", type=int, default=2000)
    parser.add_argument("--points-members", type=int, default=50)
    parser.add_argument("--api-coupons", type=int, default=60_000)
    parser.add_argument("--pg-clients", type=int, default=4)
    parser.add_argument("--pg-coupons", type=int, default=30_000, help="per pgbench client")
    args = parser.parse_args(argv)
    if connections["default"].vendor != "postgresql":
        sys.exit("prepare.py needs DATABASE_URL=postgres://...")
    bases = distinctive_sequences()
    seeded = seed(args.members, args.background, args.points_members)
    seeded.update(
        seed_coupons(args.api_coupons, args.pg_clients, args.pg_coupons, bases["promotions_coupon"])
    )
    captures = capture_requests(seeded, bases)
    args.out.write_text(json.dumps({**seeded, "captures": captures, "id_bases": bases}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
