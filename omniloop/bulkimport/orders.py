"""Orders, one row per line: parsed, resolved and checked in SQL, grouped into orders by
(channel, store, order_ref), then inserted set-based. Imported orders are completed history:
`flow = imported`, credited to their store (`credit_rule = "imported"`), no assistant; they
neither bind members nor earn points."""

from __future__ import annotations

from omniloop.bulkimport.common import report
from omniloop.bulkimport.dialect import (
    concat,
    datetime_value,
    distinct,
    fence,
    is_postgres,
    matches,
    md5_hex,
    qn,
    row_triggers_on,
    without_row_triggers,
)
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.staging import Staging, drop, temp_name
from omniloop.bulkimport.typed import (
    AMOUNT_RE,
    INTEGER_RE,
    Col,
    analyze,
    build_once,
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
from omniloop.core.errors import Conflict
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel, Store
from omniloop.stores.selectors import channel_for_store_till

STORE_CHANNEL = "store"  # the file's name for the store till (also the default)


def _cols() -> list[Col]:
    """Values over the trimmed staging row `s` and the joins; reasons over the values `v.<name>`
    and the trimmed cells `v.r_<column>` (`build_once`: every parse evaluated once)."""
    zone = "COALESCE(NULLIF(st.timezone, ''), bz.tz)"
    qty, amount, disc = "s.quantity", "s.amount", "s.discount"

    def raw(column: str) -> str:
        return "v." + qn("r_" + column)

    return [
        Col(
            "order_ref",
            "s.order_ref",
            required(raw("order_ref"), max_length(Order, "receipt_no")),
            "order_ref",
        ),
        Col(
            "store_id",
            "st.id",
            f"CASE WHEN {raw('store_ref')} IS NULL THEN 'required' WHEN v.store_id IS NULL "
            "THEN 'unknown_store' END",
            "store_ref",
        ),
        Col(
            "channel_id",
            "ch.id",
            "CASE WHEN v.channel_id IS NULL THEN 'unknown_channel' END",
            "channel",
        ),
        Col(
            "ordered_at",
            datetime_value("s.ordered_at", zone),
            f"CASE WHEN {raw('ordered_at')} IS NULL THEN 'required' WHEN v.ordered_at IS NULL "
            "THEN 'datetime_invalid' END",
            "ordered_at",
        ),
        Col(
            "sku_id",
            "k.id",
            f"CASE WHEN {raw('sku_ref')} IS NULL THEN 'required' WHEN v.sku_id IS NULL "
            "THEN 'unknown_sku' END",
            "sku_ref",
        ),
        Col(
            "member_id",
            "COALESCE(m.merged_into_id, m.id)",
            f"CASE WHEN {raw('member_ref')} IS NOT NULL AND v.member_id IS NULL "
            "THEN 'unknown_member' END",
            "member_ref",
        ),
        Col(
            "quantity",
            f"(CASE WHEN {matches(qty, INTEGER_RE)} THEN CAST({qty} AS integer) END)",
            f"CASE WHEN {raw('quantity')} IS NULL THEN 'required' WHEN v.quantity IS NULL "
            "OR v.quantity = 0 THEN 'integer_invalid' END",
            "quantity",
        ),
        Col(
            "amount",
            f"(CASE WHEN {matches(amount, AMOUNT_RE)} THEN CAST({amount} AS numeric) END)",
            f"CASE WHEN {raw('amount')} IS NULL THEN 'required' WHEN v.amount IS NULL "
            "THEN 'amount_invalid' END",
            "amount",
        ),
        Col(
            "discount",
            f"(CASE WHEN {matches(disc, AMOUNT_RE)} THEN CAST({disc} AS numeric) END)",
            f"CASE WHEN {raw('discount')} IS NOT NULL AND v.discount IS NULL "
            "THEN 'amount_invalid' END",
            "discount",
            final="COALESCE(v.discount, 0)",
        ),
    ]


def _joins() -> str:
    """Over the trimmed staging row `s`."""
    return (
        f"CROSS JOIN (SELECT CAST(%s AS text) AS tz, CAST(%s AS text) AS till) bz "
        f"LEFT JOIN {table_of(Store)} st ON st.code = s.store_ref "
        f"LEFT JOIN {table_of(SalesChannel)} ch ON ch.code = "
        f"(CASE WHEN s.channel IS NULL OR s.channel = '{STORE_CHANNEL}' THEN bz.till "
        "ELSE s.channel END) "
        f"LEFT JOIN {table_of(Sku)} k ON k.sku_code = s.sku_ref "
        f"LEFT JOIN {table_of(Member)} m ON m.external_ref = s.member_ref"
    )


def import_orders(staging: Staging, problems: Problems) -> ImportResult | None:
    """Check everything; on no problems apply. Returns None when there were problems."""
    till = channel_for_store_till()
    cols = _cols()
    t = build_once(staging, cols, _joins(), [brand_settings().timezone, till.code])
    try:
        collect(staging, t, cols, problems)
        if problems:
            return None
        drop(staging.table)  # read for the problems' raw values only: free its buffers
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
    the order already stored under that key, if any, and the id a new one will get (`new_id`,
    drawn from the table's sequence by store and time: the lines need no join to
    `orders_order`, and the inserts fill the store and time indexes left to right)."""
    o = qn(temp_name("o"))
    order = table_of(Order)
    grouped = (
        "SELECT g.*, ord.id AS order_id, ord.flow AS old_flow, "  # noqa: S608
        "ord.member_id AS old_member, ord.ordered_at AS old_at, ord.total AS old_total, "
        "ord.discount_total AS old_discount FROM ("
        "SELECT channel_id, store_id, order_ref, MIN(row_no) AS first_row, COUNT(*) AS n, "
        "MIN(member_id) AS member_id, MAX(member_id) AS member_max, "
        "COUNT(member_id) AS member_n, MIN(ordered_at) AS ordered_at, "
        "MAX(ordered_at) AS ordered_max, SUM(amount) AS total, SUM(discount) AS discount, "
        "SUM(quantity) AS quantity, SUM(sku_id * quantity) AS fingerprint "
        f"FROM {t} GROUP BY channel_id, store_id, order_ref) g "
        f"LEFT JOIN {order} ord ON ord.channel_id = g.channel_id "
        "AND ord.store_id = g.store_id AND ord.receipt_no = g.order_ref "
        f"ORDER BY g.store_id, g.ordered_at, g.first_row{fence()}"
    )
    if is_postgres():
        seq = f"pg_get_serial_sequence('{Order._meta.db_table}', 'id')"
        new_id = f"CASE WHEN x.order_id IS NULL THEN nextval({seq}) END"
    else:  # one writer at a time: the ids after the largest
        new_id = (
            f"CASE WHEN x.order_id IS NULL THEN (SELECT COALESCE(MAX(id), 0) FROM {order}) "  # noqa: S608
            "+ ROW_NUMBER() OVER (PARTITION BY x.order_id IS NULL "
            "ORDER BY x.store_id, x.ordered_at, x.first_row) END"
        )
    execute(f"CREATE TEMP TABLE {o} AS SELECT x.*, {new_id} AS new_id FROM ({grouped}) x")  # noqa: S608
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
        triggers_off = without_row_triggers(Order._meta.db_table, OrderLine._meta.db_table)
        if triggers_off:
            _lock_references(t, o)
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
            f"INSERT INTO {order} (id, {cols}) SELECT g.new_id, {exprs} FROM {o} g "  # noqa: S608
            "WHERE g.new_id IS NOT NULL ORDER BY g.new_id",
            [now],
        )
        lcols, lexprs = insert_sql(
            OrderLine,
            {
                "order": "COALESCE(g.new_id, g.order_id)",
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
            f"JOIN {o} g ON g.channel_id = t.channel_id AND g.store_id = t.store_id "
            "AND g.order_ref = t.order_ref "
            f"WHERE g.new_id IS NOT NULL OR g.order_id IN (SELECT order_id FROM {changed}) "
            "ORDER BY 1",  # the order_id index filled left to right, as the orders' were
        )
        if triggers_off:
            row_triggers_on()
    finally:
        drop(changed)
    result.unchanged = orders - result.created - result.updated
    result.extra = {"lines_written": lines, "orders": orders}
    return result


def _lock_references(t: str, o: str) -> None:
    """What the foreign keys' row triggers would do for every inserted row, once per referenced
    row: lock it `FOR KEY SHARE` (so that it cannot be deleted before the commit) and check that
    it is still there (it was resolved by a join when the file was checked)."""
    refs = (
        (Store, o, "store_id"),
        (SalesChannel, o, "channel_id"),
        (Member, o, "member_id"),
        (Sku, t, "sku_id"),
    )
    for model, source, column in refs:
        ids = f"SELECT DISTINCT {column} FROM {source} WHERE {column} IS NOT NULL"  # noqa: S608
        wanted = int(scalar(f"SELECT COUNT(*) FROM ({ids}) d") or 0)  # noqa: S608
        locked = int(
            scalar(
                f"SELECT COUNT(*) FROM (SELECT r.id FROM {table_of(model)} r "  # noqa: S608
                f"WHERE r.id IN ({ids}) FOR KEY SHARE) l"
            )
            or 0
        )
        if locked != wanted:
            raise Conflict(
                f"{wanted - locked} {model._meta.verbose_name_plural} the file refers to were "
                "deleted during the import; nothing was written, import the file again.",
                code="import_references_changed",
            )


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
