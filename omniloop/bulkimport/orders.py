"""Orders, one row per line: parsed, resolved and checked in SQL, grouped into orders by
(channel, store, order_ref), then inserted set-based. Imported orders are completed history:
`flow = imported`, credited to their store (`credit_rule = "imported"`), no assistant; they
neither bind members nor earn points."""

from __future__ import annotations

from omniloop.bulkimport.common import report
from omniloop.bulkimport.dialect import concat, datetime_value, distinct, matches, md5_hex, qn
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.staging import Staging, drop, temp_name
from omniloop.bulkimport.typed import (
    AMOUNT_RE,
    INTEGER_RE,
    Col,
    analyze,
    build,
    collect,
    execute,
    insert_sql,
    max_length,
    required,
    scalar,
    table_of,
)
from omniloop.bulkimport.values import ImportResult
from omniloop.catalog.models import Sku
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel, Store
from omniloop.stores.selectors import channel_for_store_till

STORE_CHANNEL = "store"  # the file's name for the store till (also the default)


def _cols(staging: Staging) -> list[Col]:
    v = staging.col
    ref, store, at = v("order_ref"), v("store_ref"), v("ordered_at")
    sku, member, qty, amount, disc = (
        v("sku_ref"),
        v("member_ref"),
        v("quantity"),
        v("amount"),
        v("discount"),
    )
    zone = "COALESCE(NULLIF(st.timezone, ''), bz.tz)"
    at_value = datetime_value(at, zone)
    qty_value = f"(CASE WHEN {matches(qty, INTEGER_RE)} THEN CAST({qty} AS integer) END)"
    amount_value = f"(CASE WHEN {matches(amount, AMOUNT_RE)} THEN CAST({amount} AS numeric) END)"
    disc_value = f"(CASE WHEN {matches(disc, AMOUNT_RE)} THEN CAST({disc} AS numeric) END)"
    return [
        Col("order_ref", ref, required(ref, max_length(Order, "receipt_no")), "order_ref"),
        Col(
            "store_id",
            "st.id",
            f"CASE WHEN {store} IS NULL THEN 'required' WHEN st.id IS NULL "
            "THEN 'unknown_store' END",
            "store_ref",
        ),
        Col("channel_id", "ch.id", "CASE WHEN ch.id IS NULL THEN 'unknown_channel' END", "channel"),
        Col(
            "ordered_at",
            at_value,
            f"CASE WHEN {at} IS NULL THEN 'required' WHEN {at_value} IS NULL "
            "THEN 'datetime_invalid' END",
            "ordered_at",
        ),
        Col(
            "sku_id",
            "k.id",
            f"CASE WHEN {sku} IS NULL THEN 'required' WHEN k.id IS NULL THEN 'unknown_sku' END",
            "sku_ref",
        ),
        Col(
            "member_id",
            "COALESCE(m.merged_into_id, m.id)",
            f"CASE WHEN {member} IS NOT NULL AND m.id IS NULL THEN 'unknown_member' END",
            "member_ref",
        ),
        Col(
            "quantity",
            qty_value,
            f"CASE WHEN {qty} IS NULL THEN 'required' WHEN {qty_value} IS NULL OR {qty_value} = 0 "
            "THEN 'integer_invalid' END",
            "quantity",
        ),
        Col(
            "amount",
            amount_value,
            f"CASE WHEN {amount} IS NULL THEN 'required' WHEN {amount_value} IS NULL "
            "THEN 'amount_invalid' END",
            "amount",
        ),
        Col(
            "discount",
            f"COALESCE({disc_value}, 0)",
            f"CASE WHEN {disc} IS NOT NULL AND {disc_value} IS NULL THEN 'amount_invalid' END",
            "discount",
        ),
    ]


def _joins(staging: Staging) -> str:
    v = staging.col
    chan = v("channel")
    return (
        f"CROSS JOIN (SELECT CAST(%s AS text) AS tz, CAST(%s AS text) AS till) bz "
        f"LEFT JOIN {table_of(Store)} st ON st.code = {v('store_ref')} "
        f"LEFT JOIN {table_of(SalesChannel)} ch ON ch.code = "
        f"(CASE WHEN {chan} IS NULL OR {chan} = '{STORE_CHANNEL}' THEN bz.till ELSE {chan} END) "
        f"LEFT JOIN {table_of(Sku)} k ON k.sku_code = {v('sku_ref')} "
        f"LEFT JOIN {table_of(Member)} m ON m.external_ref = {v('member_ref')}"
    )


def import_orders(staging: Staging, problems: Problems) -> ImportResult | None:
    """Check everything; on no problems apply. Returns None when there were problems."""
    till = channel_for_store_till()
    cols = _cols(staging)
    t = build(staging, cols, _joins(staging), [brand_settings().timezone, till.code])
    try:
        collect(staging, t, cols, problems)
        if problems:
            return None
        o = _group(t)
        try:
            _check_groups(staging, t, o, problems)
            if problems:
                return None
            return _apply(t, o, staging.rows)
        finally:
            drop(o)
    finally:
        drop(t)


def _group(t: str) -> str:
    """One row per order: its key, header (which every line must agree on) and sums, beside
    the order already stored under that key, if any."""
    o = qn(temp_name("o"))
    order = table_of(Order)
    execute(
        f"CREATE TEMP TABLE {o} AS SELECT g.*, ord.id AS order_id, ord.flow AS old_flow, "  # noqa: S608
        "ord.member_id AS old_member, ord.ordered_at AS old_at, ord.total AS old_total, "
        "ord.discount_total AS old_discount FROM ("
        "SELECT channel_id, store_id, order_ref, MIN(row_no) AS first_row, COUNT(*) AS n, "
        "MIN(member_id) AS member_id, MAX(member_id) AS member_max, "
        "COUNT(member_id) AS member_n, MIN(ordered_at) AS ordered_at, "
        "MAX(ordered_at) AS ordered_max, SUM(amount) AS total, SUM(discount) AS discount, "
        "SUM(quantity) AS quantity, SUM(sku_id * quantity) AS fingerprint "
        f"FROM {t} GROUP BY channel_id, store_id, order_ref) g "
        f"LEFT JOIN {order} ord ON ord.channel_id = g.channel_id "
        "AND ord.store_id = g.store_id AND ord.receipt_no = g.order_ref"
    )
    analyze(o)
    return o


def _check_groups(staging: Staging, t: str, o: str, problems: Problems) -> None:
    checks = (
        (
            "member_ref",
            "order_inconsistent",
            "g.member_id <> g.member_max OR (g.member_n > 0 AND g.member_n < g.n)",
        ),
        ("ordered_at", "order_inconsistent", "g.ordered_at <> g.ordered_max"),
        (
            "order_ref",
            "order_not_imported",
            f"g.order_id IS NOT NULL AND g.old_flow <> '{Order.Flow.IMPORTED}'",
        ),
    )
    for column, code, where in checks:
        rows = f"FROM {o} g WHERE {where}"
        report(staging, rows, "g.first_row", "g.order_ref", column, code, problems)


def _apply(t: str, o: str, rows: int) -> ImportResult:
    now = clock.now()
    order, line = table_of(Order), table_of(OrderLine)
    result = ImportResult(kind="orders", rows=rows)
    orders = int(scalar(f"SELECT COUNT(*) FROM {o}"))  # noqa: S608
    matched = int(scalar(f"SELECT COUNT(*) FROM {o} WHERE order_id IS NOT NULL"))  # noqa: S608
    changed = qn(temp_name("c"))
    execute(f"CREATE TEMP TABLE {changed} (order_id bigint PRIMARY KEY)")
    try:
        if matched:
            _find_changed(o, changed)
            execute(
                f"DELETE FROM {line} WHERE order_id IN (SELECT order_id FROM {changed})"  # noqa: S608
            )
            result.updated = execute(
                f"UPDATE {order} SET member_id = g.member_id, ordered_at = g.ordered_at, "  # noqa: S608
                "paid_at = g.ordered_at, total = g.total, discount_total = g.discount "
                f"FROM {o} g WHERE {order}.id = g.order_id "
                f"AND g.order_id IN (SELECT order_id FROM {changed})"
            )
        before = int(scalar(f"SELECT COALESCE(MAX(id), 0) FROM {order}") or 0)  # noqa: S608
        cols, exprs = insert_sql(
            Order,
            {
                "number": concat(
                    "'IM'",
                    "UPPER(SUBSTR("
                    + md5_hex(
                        concat(
                            "CAST(g.channel_id AS text)",
                            "':'",
                            "CAST(g.store_id AS text)",
                            "':'",
                            "g.order_ref",
                        )
                    )
                    + ", 1, 20))",
                ),
                "channel": "g.channel_id",
                "store": "g.store_id",
                "receipt_no": "g.order_ref",
                "member": "g.member_id",
                "credited_store": "g.store_id",
                "credited_assistant": "NULL",
                "credit_rule": "'imported'",
                "flow": f"'{Order.Flow.IMPORTED}'",
                "fulfilment": f"'{Order.Fulfilment.IN_STORE}'",
                "touchpoint": "NULL",
                "total": "g.total",
                "discount_total": "g.discount",
                "shipping_fee": "0",
                "points_redeemed": "0",
                "points_earned": "0",
                "points_value": "0",
                "refunded_total": "0",
                "status": f"'{Order.Status.COMPLETED}'",
                "pickup_code_hash": "''",
                "pickup_expires_at": "NULL",
                "ordered_at": "g.ordered_at",
                "paid_at": "g.ordered_at",
                "created_at": "%s",
            },
        )
        result.created = execute(
            f"INSERT INTO {order} ({cols}) SELECT {exprs} FROM {o} g "  # noqa: S608
            "WHERE g.order_id IS NULL ORDER BY g.first_row",
            [now],
        )
        lcols, lexprs = insert_sql(
            OrderLine,
            {
                "order": "ord.id",
                "sku": "t.sku_id",
                "quantity": "t.quantity",
                "unit_price": "ROUND((t.amount + t.discount) * 1.0 / t.quantity, 2)",
                "discount": "t.discount",
                "amount": "t.amount",
                "returned_quantity": "0",
            },
        )
        lines = execute(
            f"INSERT INTO {line} ({lcols}) SELECT {lexprs} FROM {t} t "  # noqa: S608
            f"JOIN {order} ord ON ord.channel_id = t.channel_id AND ord.store_id = t.store_id "
            "AND ord.receipt_no = t.order_ref "
            f"WHERE ord.id > %s OR ord.id IN (SELECT order_id FROM {changed})",
            [before],
        )
    finally:
        drop(changed)
    result.unchanged = orders - result.created - result.updated
    result.extra = {"lines_written": lines, "orders": orders}
    return result


def _find_changed(o: str, changed: str) -> None:
    """Stored orders whose header or lines differ from the file's. Lines are compared by a
    fingerprint (count, quantities, amounts, discounts and sum of SKU id x quantity)."""
    line = table_of(OrderLine)
    f = qn(temp_name("f"))
    execute(
        f"CREATE TEMP TABLE {f} AS SELECT l.order_id AS order_id, COUNT(*) AS n, "  # noqa: S608
        "SUM(l.quantity) AS quantity, SUM(l.amount) AS total, SUM(l.discount) AS discount, "
        f"SUM(l.sku_id * l.quantity) AS fingerprint FROM {line} l "
        f"WHERE l.order_id IN (SELECT order_id FROM {o} WHERE order_id IS NOT NULL) "
        "GROUP BY l.order_id"
    )
    analyze(f)
    try:
        differs = " OR ".join(
            [
                distinct("g.member_id", "g.old_member"),
                distinct("g.ordered_at", "g.old_at"),
                distinct("g.total", "g.old_total"),
                distinct("g.discount", "g.old_discount"),
                distinct("g.n", "f.n"),
                distinct("g.quantity", "f.quantity"),
                distinct("g.total", "f.total"),
                distinct("g.discount", "f.discount"),
                distinct("g.fingerprint", "f.fingerprint"),
            ]
        )
        execute(
            f"INSERT INTO {changed} (order_id) SELECT g.order_id FROM {o} g "  # noqa: S608
            f"LEFT JOIN {f} f ON f.order_id = g.order_id "
            f"WHERE g.order_id IS NOT NULL AND ({differs})"
        )
        analyze(changed)
    finally:
        drop(f)
