# ruff: noqa: S608 (the SQL is assembled from this file's own constants; values are bound)
"""Every figure of every wall page equals an independent SQL query over the source rows (orders,
returns, scans, members, bindings), written here and not through the wall's selectors or cells.

Local days: PostgreSQL converts with AT TIME ZONE; SQLite has no zones, so the query shifts by
the zones' fixed offsets (the world's zones keep no summer time)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from omniloop.wall.pages import wall_page
from omniloop.wall.selectors import WallFilters
from omniloop.wall.tables import FLOW_LABELS, JOIN_CHANNEL_LABELS, Names
from tests.wall.world import OFFSETS, build_world

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)
BRAND_TZ = "Asia/Shanghai"


def _local(col: str, tz: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(({col} AT TIME ZONE {tz}) AS date)"
    cases = " ".join(f"WHEN '{z}' THEN '{h:+d} hours'" for z, h in OFFSETS.items())
    return f"date({col}, CASE {tz} {cases} END)"


def _month(day_sql: str) -> str:
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {day_sql}) AS date)"
    return f"date({day_sql}, 'start of month')"


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _d(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _dec(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


# One row per counted sale and per refund, with the wall's dimensions, in plain SQL.
SALES_SQL = """
SELECT {day} AS day, COALESCE(o.credited_store_id, o.store_id, 0) AS store_id, o.channel_id,
       COALESCE(o.touchpoint_id, 0) AS touchpoint_id,
       COALESCE(o.credited_assistant_id, 0) AS assistant_id, o.flow, 1 AS n, o.total AS amount,
       0 AS r, 0 AS refunded
FROM orders_order o
LEFT JOIN stores_store cs ON cs.id = o.credited_store_id
LEFT JOIN stores_store fs ON fs.id = o.store_id
WHERE o.status NOT IN ('pending', 'cancelled')
UNION ALL
SELECT {rday}, COALESCE(o.credited_store_id, o.store_id, 0), o.channel_id,
       COALESCE(o.touchpoint_id, 0), COALESCE(o.credited_assistant_id, 0), o.flow, 0, 0, 1,
       r.amount
FROM orders_orderreturn r
JOIN orders_order o ON o.id = r.order_id
LEFT JOIN stores_store cs ON cs.id = o.credited_store_id
LEFT JOIN stores_store fs ON fs.id = o.store_id
WHERE o.status NOT IN ('pending', 'cancelled') AND r.amount > 0
"""


def _sales(f: WallFilters, by: list[str]) -> dict[Any, tuple[int, Decimal, int, Decimal, Decimal]]:
    tz = f"COALESCE(cs.timezone, fs.timezone, '{BRAND_TZ}')"
    day = _local("COALESCE(o.paid_at, o.ordered_at)", tz)
    inner = SALES_SQL.format(day=day, rday=_local("r.created_at", tz))
    where, params = ["s.day >= %s", "s.day <= %s"], [f.start, f.end]
    if f.store_id is not None:
        where.append("s.store_id = %s")
        params.append(f.store_id)
    if f.channel_id is not None:
        where.append("s.channel_id = %s")
        params.append(f.channel_id)
    cols = ", ".join(f"s.{c}" for c in by) if by else "1"
    sql = (
        f"SELECT {cols}, SUM(s.n), SUM(s.amount), SUM(s.r), SUM(s.refunded) "
        f"FROM ({inner}) s WHERE {' AND '.join(where)} GROUP BY {cols}"
    )
    out = {}
    for row in _rows(sql, params):
        key = tuple(_d(v) if c == "day" else v for c, v in zip(by, row, strict=False))
        n, gross, r, refunded = row[len(by) or 1 :]
        gross, refunded = _dec(gross), _dec(refunded)
        out[key if len(key) > 1 else (key[0] if key else None)] = (
            int(n),
            gross,
            int(r),
            refunded,
            gross - refunded,
        )
    return out


MEMBERS_SQL = """
SELECT m.id, m.join_source, COALESCE(b.recruited_store_id, 0) AS store_id,
       COALESCE((SELECT bc.touchpoint_id FROM attribution_bindingchange bc
                 WHERE bc.member_id = m.id AND bc.kind = 'initial'
                 ORDER BY bc.changed_at, bc.id LIMIT 1), 0) AS touchpoint_id,
       COALESCE(b.recruited_assistant_id, 0) AS assistant_id,
       {join_day} AS join_day,
       (SELECT MIN({order_day}) FROM orders_order o
        LEFT JOIN stores_store cs ON cs.id = o.credited_store_id
        LEFT JOIN stores_store fs ON fs.id = o.store_id
        WHERE o.member_id = m.id AND o.status NOT IN ('pending', 'cancelled')) AS first_day
FROM members_member m
LEFT JOIN attribution_memberbinding b ON b.member_id = m.id
LEFT JOIN stores_store rs ON rs.id = b.recruited_store_id
WHERE m.status <> 'merged'
"""


def _members() -> list[dict[str, Any]]:
    sql = MEMBERS_SQL.format(
        join_day=_local("m.joined_at", f"COALESCE(rs.timezone, '{BRAND_TZ}')"),
        order_day=_local(
            "COALESCE(o.paid_at, o.ordered_at)", f"COALESCE(cs.timezone, fs.timezone, '{BRAND_TZ}')"
        ),
    )
    keys = ("id", "channel", "store", "tp", "assistant", "join_day", "first_day")
    out = []
    for row in _rows(sql):
        m = dict(zip(keys, row, strict=True))
        m["join_day"] = _d(m["join_day"])
        m["first_day"] = _d(m["first_day"]) if m["first_day"] else None
        out.append(m)
    return out


def _member_counts(f: WallFilters, key: str) -> dict[Any, tuple[int, int]]:
    """(joins, first purchases) in the period per `key` of the recruitment."""
    out: dict[Any, list[int]] = defaultdict(lambda: [0, 0])
    for m in _members():
        if f.store_id is not None and m["store"] != f.store_id:
            continue
        if f.start <= m["join_day"] <= f.end:
            out[m[key]][0] += 1
        if m["first_day"] and f.start <= m["first_day"] <= f.end:
            out[m[key]][1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _scans(f: WallFilters, key: str) -> dict[int, int]:
    day = _local("s.scanned_at", f"COALESCE(st.timezone, '{BRAND_TZ}')")
    where, params = "", [f.start, f.end]
    if f.store_id is not None:
        where, params = " AND COALESCE(x.store_id, 0) = %s", [*params, f.store_id]
    sql = (
        f"SELECT COALESCE(x.{key}, 0), COUNT(*) FROM (SELECT s.*, {day} AS day "
        "FROM touchpoints_scanevent s LEFT JOIN stores_store st ON st.id = s.store_id) x "
        f"WHERE x.day >= %s AND x.day <= %s{where} GROUP BY COALESCE(x.{key}, 0)"
    )
    return {k: int(n) for k, n in _rows(sql, params)}


def _money(v: Any) -> Decimal:
    return Decimal(v)


def _by_label(table: Any, label_cols: int) -> dict[Any, tuple[Any, ...]]:
    out = {}
    for row in table.rows:
        key = row[0] if label_cols == 1 else tuple(row[:label_cols])
        assert key not in out, f"duplicate row {key} in {table.key}"
        out[key] = tuple(row[label_cols:])
    return out


def _check_overview(f: WallFilters) -> None:
    page = wall_page("overview", f, today=TODAY, whole=True)
    shown = wall_page("overview", f, today=TODAY).tables["detail"]
    assert shown.rows == page.tables["detail"].rows[: shown.shown]
    assert shown.row_count == len(page.tables["detail"].rows)
    for period, pick in ((f, "value"), (f.previous(), "previous")):
        total = _sales(period, []).get(None, (0, Decimal(0), 0, Decimal(0), Decimal(0)))
        counts = _member_counts(period, "channel")
        joins = sum(j for j, _p in counts.values())
        firsts = sum(p for _j, p in counts.values())
        figures = {x.key: getattr(x, pick) for x in page.figures}
        assert figures["net"] == _dec(total[4])
        assert figures["orders"] == total[0]
        assert figures["joins"] == joins
        assert figures["first_purchases"] == firsts
        expect_avg = (_dec(total[4]) / total[0]).quantize(Decimal("0.01")) if total[0] else None
        assert figures["average"] == expect_avg
    by_day = _sales(f, ["day"])
    joins_day = defaultdict(int)
    for m in _members():
        if (f.store_id is None or m["store"] == f.store_id) and f.start <= m["join_day"] <= f.end:
            joins_day[m["join_day"]] += 1
    rows = _by_label(page.tables["by_day"], 1)
    assert len(rows) == f.days
    for day, figures in rows.items():
        expect = by_day.get(day, (0, Decimal(0), 0, Decimal(0), Decimal(0)))
        assert figures == (*expect, joins_day.get(day, 0)), day
    names = Names().load(
        stores={s for (s,) in _rows("SELECT id FROM stores_store")},
        channels={c for (c,) in _rows("SELECT id FROM stores_saleschannel")},
        touchpoints={t for (t,) in _rows("SELECT id FROM touchpoints_touchpoint")},
    )
    expect_channel = {names.channel(k): v for k, v in _sales(f, ["channel_id"]).items()}
    assert _by_label(page.tables["by_channel"], 1) == expect_channel
    expect_store = {
        (names.store_code(k), names.store(k)): v for k, v in _sales(f, ["store_id"]).items()
    }
    assert _by_label(page.tables["by_store"], 2) == expect_store
    expect_tp = {names.touchpoint(k): v for k, v in _sales(f, ["touchpoint_id"]).items()}
    assert _by_label(page.tables["by_touchpoint"], 1) == expect_tp
    detail = _sales(f, ["day", "channel_id", "touchpoint_id", "store_id"])
    expect_detail = {
        (d, names.channel(c), names.touchpoint(t), names.store(s)): v
        for (d, c, t, s), v in detail.items()
    }
    assert _by_label(page.tables["detail"], 4) == expect_detail
    expect_join = {
        str(JOIN_CHANNEL_LABELS.get(k, k)): v
        for k, v in _member_counts(f, "channel").items()
        if v != (0, 0)
    }
    assert _by_label(page.tables["joins_by_channel"], 1) == expect_join


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1")) if whole else None


def _check_funnel(f: WallFilters) -> None:
    page = wall_page("funnel", f, today=TODAY)
    figures = {x.key: x.value for x in page.figures}
    counts = _member_counts(f, "tp")
    assert figures["scans"] == sum(_scans(f, "touchpoint_id").values())
    assert figures["joins"] == sum(j for j, _p in counts.values())
    assert figures["first_purchases"] == sum(p for _j, p in counts.values())
    tps = {t for (t,) in _rows("SELECT id FROM touchpoints_touchpoint")}
    users = {u for (u,) in _rows("SELECT id FROM accounts_user")}
    names = Names().load(touchpoints=tps, assistants=users)
    for key, col, label_cols, label in (
        ("by_touchpoint", "tp", 1, lambda k: names.touchpoint(k)),
        ("by_assistant", "assistant", 2, lambda k: (names.assistant_code(k), names.assistant(k))),
    ):
        scans = _scans(f, "touchpoint_id" if col == "tp" else "assistant_id")
        members = _member_counts(f, col)
        expect = {}
        for k in (set(scans) | set(members)) - {0}:
            s, (j, p) = scans.get(k, 0), members.get(k, (0, 0))
            if s or j or p:
                expect[label(k)] = (s, j, _rate(j, s), p, _rate(p, j))
        assert _by_label(page.tables[key], label_cols) == expect, key


def _check_o2o(f: WallFilters) -> None:
    page = wall_page("o2o", f, today=TODAY)
    flows = _sales(f, ["flow"])
    total = _sales(f, []).get(None, (0, Decimal(0), 0, Decimal(0), Decimal(0)))
    o2o = {"pickup", "scan_to_buy", "endless_aisle", "ship_from_store"}
    expect = {}
    for flow, v in flows.items():
        net_share = (v[4] * 100 / total[4]).quantize(Decimal("0.1")) if total[4] else None
        expect[str(FLOW_LABELS[flow])] = (
            "是" if flow in o2o else "否",
            *v,
            _rate(v[0], total[0]),
            net_share,
        )
    got = _by_label(page.tables["by_flow"], 1)
    # The yes/no column is translated; compare it as the language the test runs in
    got = {k: (("是" if v[0] in ("是", "Yes") else "否"), *v[1:]) for k, v in got.items()}
    assert got == expect
    figures = {x.key: x.value for x in page.figures}
    assert figures["o2o_orders"] == sum(v[0] for k, v in flows.items() if k in o2o)
    o2o_net = sum((v[4] for k, v in flows.items() if k in o2o), Decimal(0))
    assert figures["o2o_net"] == o2o_net
    assert figures["o2o_share"] == (
        (o2o_net * 100 / total[4]).quantize(Decimal("0.1")) if total[4] else None
    )


def _check_leaders(f: WallFilters) -> None:
    page = wall_page("leaders", f, today=TODAY)
    stores = {s for (s,) in _rows("SELECT id FROM stores_store")}
    users = {u for (u,) in _rows("SELECT id FROM accounts_user")}
    names = Names().load(stores=stores, assistants=users)
    joins = _member_counts(f, "store")
    expect = {
        (names.store_code(k), names.store(k)): (*v, joins.get(k, (0, 0))[0])
        for k, v in _sales(f, ["store_id"]).items()
    }
    got = {tuple(r[1:3]): tuple(r[3:]) for r in page.tables["stores"].rows}
    assert got == expect
    nets = [r[7] for r in page.tables["stores"].rows]
    assert nets == sorted(nets, reverse=True) and [r[0] for r in page.tables["stores"].rows] == (
        list(range(1, len(nets) + 1))
    )
    recruits = _member_counts(f, "assistant")
    expect = {
        (names.assistant_code(k), names.assistant(k)): (*v, *recruits.get(k, (0, 0)))
        for k, v in _sales(f, ["assistant_id"]).items()
        if k
    }
    got = {tuple(r[1:3]): tuple(r[3:]) for r in page.tables["assistants"].rows}
    assert got == expect


def _check_cohorts(f: WallFilters) -> None:
    page = wall_page("cohorts", f, today=TODAY)
    day = _local(
        "COALESCE(o.paid_at, o.ordered_at)", f"COALESCE(cs.timezone, fs.timezone, '{BRAND_TZ}')"
    )
    active = _rows(
        f"SELECT DISTINCT o.member_id, {_month(day)} FROM orders_order o "
        "LEFT JOIN stores_store cs ON cs.id = o.credited_store_id "
        "LEFT JOIN stores_store fs ON fs.id = o.store_id "
        "WHERE o.status NOT IN ('pending', 'cancelled') AND o.member_id IS NOT NULL"
    )
    months_of: dict[int, set[date]] = defaultdict(set)
    for member_id, month in active:
        months_of[member_id].add(_d(month))
    first, last = f.start.replace(day=1), f.end.replace(day=1)
    cohorts: dict[tuple[date, str], list[dict[str, Any]]] = defaultdict(list)
    for m in _members():
        cohort = m["join_day"].replace(day=1)
        if first <= cohort <= last and (f.store_id is None or m["store"] == f.store_id):
            cohorts[(cohort, m["channel"])].append(m)
    expect = {}
    for (cohort, channel), members in cohorts.items():
        cells = []
        for k in range(7):
            y, mo = divmod(cohort.month - 1 + k, 12)
            month = date(cohort.year + y, mo + 1, 1)
            if month > TODAY.replace(day=1):
                cells.append(None)
                continue
            n = sum(1 for m in members if month in months_of.get(m["id"], ()))
            cells.append(_rate(n, len(members)))
        expect[(f"{cohort:%Y-%m}", str(JOIN_CHANNEL_LABELS.get(channel, channel)))] = (
            len(members),
            *cells,
        )
    assert _by_label(page.tables["cohorts"], 2) == expect
    assert expect  # the world has cohorts in the period


@pytest.fixture
def world():
    return build_world()


def _filters(world: Any) -> list[WallFilters]:
    till = _rows("SELECT id FROM stores_saleschannel WHERE kind = 'store_till'")[0][0]
    return [
        WallFilters(start=date(2026, 9, 1), end=date(2026, 10, 31)),
        WallFilters(start=date(2026, 9, 15), end=date(2026, 9, 30)),  # previous: 1-14 Sept
        WallFilters(start=date(2026, 9, 1), end=date(2026, 10, 31), store_id=world.bo.pk),
        WallFilters(start=date(2026, 9, 1), end=date(2026, 10, 31), channel_id=till),
    ]


@pytest.mark.parametrize(
    "check", [_check_overview, _check_funnel, _check_o2o, _check_leaders, _check_cohorts]
)
def test_every_figure_equals_an_independent_query(world, check):
    for f in _filters(world):
        check(f)


def test_the_world_has_something_in_every_table(world):
    """Guards the checks above against passing on empty pages."""
    f = _filters(world)[0]
    for name in ("overview", "funnel", "o2o", "leaders", "cohorts"):
        for table in wall_page(name, f, today=TODAY).tables.values():
            assert table.rows, (name, table.key)
    flows = {r[0] for r in wall_page("o2o", f, today=TODAY).tables["by_flow"].rows}
    assert len(flows) == 5  # till, shipped, pickup, scan-to-buy, imported history
