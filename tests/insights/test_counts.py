"""Segment counts equal an independent computation (oracle.py) over the same rows, for every
operator, field and `purchased` filter, on both sources: features computed from orders at the
as_of, and the materialised table rebuilt at that as_of."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.insights.features import features_rebuild
from omniloop.insights.models import MemberFeatures
from omniloop.insights.selectors import segment_count, segment_member_ids
from tests.insights import oracle
from tests.insights.world import AS_OF, build_world

pytestmark = pytest.mark.django_db

OPS = ["=", "!=", "<", "<=", ">", ">=", "in", "between"]
INT_FIELDS = {
    "recency_days": [0, 1, 29, 30, 31, 90, 364, 365],
    "orders_30d": [0, 1, 2],
    "orders_90d": [0, 1, 3],
    "orders_365d": [0, 2, 5],
    "orders_total": [1, 3, 8],
    "tenure_days": [0, 1, 30, 31, 90],
    "points_balance": [0, 37, 200],
    "age": [17, 35, 36, 50],
    "rfm_r": [1, 3, 5],
    "rfm_f": [1, 2, 4],
    "rfm_m": [2, 3, 5],
}
MONEY_FIELDS = ["spend_30d", "spend_90d", "spend_365d", "spend_total", "avg_order_value_365d"]
TEXT_FIELDS = {
    "tier": ["gold", "silver"],
    "city": ["上海", ""],
    "gender": ["f", ""],
    "home_store": ["sh01", "ny01"],
    "lifecycle": ["active", "lapsed", "new"],
    "top_category": ["coffee", "tops"],
}


@pytest.fixture
def world(db):
    w = build_world()
    features_rebuild(as_of=AS_OF)
    # The CLV scorer's columns: filled for some members, NULL for the rest.
    for i, f in enumerate(MemberFeatures.objects.order_by("member_id")):
        if i % 3:
            f.p_alive, f.clv_365d = (i % 10) / 10, i * 11
            f.save()
    _ORACLES.clear()
    return w


_ORACLES: dict = {}


def _oracle(as_of) -> oracle.Oracle:
    if as_of not in _ORACLES:
        _ORACLES[as_of] = oracle.Oracle(as_of)
    return _ORACLES[as_of]


def _rule_values(op: str, values: list) -> list:
    if op == "in":
        return [values[:2]]
    if op == "between":
        return [[values[0], values[-1]], [values[1], values[1]]]
    return values


def _cases() -> list[dict]:
    rules = []
    for name, values in INT_FIELDS.items():
        for op in OPS:
            rules += [{"field": name, "op": op, "value": v} for v in _rule_values(op, values)]
    for name, values in TEXT_FIELDS.items():
        for op in ("=", "!=", "in"):
            rules += [{"field": name, "op": op, "value": v} for v in _rule_values(op, values)]
    return rules


def _check(rule: dict, as_of=AS_OF) -> int:
    expected = _oracle(as_of).ids(rule)
    got_orders = segment_member_ids(rule, as_of=as_of, source="orders")
    assert got_orders == expected, (rule, "orders")
    if as_of == AS_OF:
        got_table = segment_member_ids(rule, as_of=as_of, source="features")
        assert got_table == expected, (rule, "features")
        count, _ = segment_count(rule, as_of=as_of, source="features")
        assert count == len(expected)
    return len(expected)


def test_every_int_and_text_field_with_every_operator(world):
    matched = [_check(rule) for rule in _cases()]
    # The data reaches both sides of the comparisons (the test could fail).
    assert sum(1 for m in matched if m) > len(matched) // 2


def test_money_and_score_fields(world):
    rows = _oracle(AS_OF).rows
    for name in [*MONEY_FIELDS, "p_alive", "clv_365d"]:
        values = sorted({r[name] for r in rows.values() if r[name] is not None})
        assert len(values) >= 3, name
        mid = values[len(values) // 2]
        for op in OPS:
            if op == "in":
                value = [str(values[0]), str(mid)]
            elif op == "between":
                value = [str(values[1]), str(mid)]
            else:
                value = str(mid) if name != "p_alive" else float(mid)
            _check({"field": name, "op": op, "value": value})


PURCHASED = [
    {"sku": "latte-s"},
    {"sku": ["latte-s", "fries-l"]},
    {"product": "mocha"},
    {"category": "coffee"},
    {"category": ["combo", "side"]},
    {"department": "meals"},
    {"brand": "reserve"},
    {"category": "coffee", "brand": "house"},
    {"weekdays": [6, 7]},
    {"weekdays": 6},
    {"hours": [8, 17]},
    {"hours": [22, 2]},
    {"hours": [23, 24]},
    {"weekdays": [6], "hours": [20, 24]},
    {"category": "coffee", "weekdays": [6, 7], "hours": [8, 17], "within_days": 90},
    {"within_days": 30},
    {"within_days": 1},
    {"within_days": 365},
    {"since": "2026-02-13"},
    {"until": "2026-02-13"},
    {"since": "2026-02-13T20:00:00+08:00", "until": "2026-03-14T23:30:00+08:00"},
    {"since": "2025-12-01", "until": "2026-01-31"},
    {"store": "ny01"},
    {"store": ["sh01", "ld01"]},
    {"channel": "mall"},
    {"min_orders": 2},
    {"min_orders": 3, "category": "tops"},
    {"min_amount": 100},
    {"min_amount": "250.50", "within_days": 365},
    {"min_orders": 2, "min_amount": 150, "department": "drinks"},
]


def test_every_purchased_filter(world):
    for spec in PURCHASED:
        _check({"purchased": spec})
        _check({"not": {"purchased": spec}})


def test_purchased_filters_select_something_and_not_everything(world):
    counts = [len(_oracle(AS_OF).ids({"purchased": s})) for s in PURCHASED]
    total = len(_oracle(AS_OF).rows)
    assert sum(1 for c in counts if 0 < c < total) >= len(counts) - 3, (total, counts)


def test_combinators(world):
    rules = [
        {
            "all": [
                {"field": "orders_90d", "op": ">=", "value": 1},
                {"field": "tier", "op": "=", "value": "gold"},
            ]
        },
        {
            "any": [
                {"field": "recency_days", "op": "<", "value": 30},
                {"purchased": {"category": "side"}},
            ]
        },
        {"not": {"field": "recency_days", "op": ">", "value": 30}},
        {"not": {"not": {"field": "city", "op": "=", "value": "上海"}}},
        {
            "all": [
                {"purchased": {"category": "combo"}},
                {"not": {"purchased": {"category": "side"}}},
            ]
        },
    ]
    for rule in rules:
        _check(rule)


def test_other_as_of_reads_orders(world):
    """At another as_of the features come from orders (windows move, the table does not)."""
    for days in (1, 30, 45):
        as_of = AS_OF - timedelta(days=days)
        for rule in (
            {"field": "orders_30d", "op": ">=", "value": 1},
            {"field": "lifecycle", "op": "=", "value": "active"},
        ):
            _check(rule, as_of)
        _count, ev = segment_count({"field": "orders_30d", "op": ">=", "value": 1}, as_of=as_of)
        assert ev.source == "orders"


def test_timezone_boundaries_named(world):
    """The loners of world.py, one order each: weekday and hour are read in the store's zone."""
    loners = world.members[-8:-1]
    sat_2330_sh, sun_0030_sh, sat_2030_ny = loners[2].pk, loners[3].pk, loners[4].pk

    def ids(spec):
        return set(segment_member_ids({"purchased": spec}, as_of=AS_OF, source="orders"))

    saturday = ids({"weekdays": [6]})
    assert sat_2330_sh in saturday  # 15:30 UTC is Saturday too, but 23:30 is the hour below
    assert sun_0030_sh not in saturday  # Saturday 16:30 in UTC, Sunday in Shanghai
    assert sat_2030_ny in saturday  # Sunday 09:30 in Shanghai, Saturday in New York
    late = ids({"hours": [23, 24]})
    assert sat_2330_sh in late and sun_0030_sh not in late
    assert sat_2030_ny in ids({"weekdays": 6, "hours": [20, 21]})
    assert sun_0030_sh in ids({"hours": [0, 1]})
    # Window edges: exactly 30 days before as_of is inside, a microsecond earlier is not.
    inside, outside, at_as_of = loners[0].pk, loners[1].pk, loners[6].pk
    last30 = ids({"within_days": 30})
    assert inside in last30 and outside not in last30 and at_as_of not in last30
    active30 = set(segment_member_ids({"field": "orders_30d", "op": ">=", "value": 1}, as_of=AS_OF))
    assert inside in active30 and outside not in active30
    # The order at as_of itself is not counted yet: that member has no order features at all.
    never = set(segment_member_ids({"field": "orders_total", "op": ">=", "value": 0}, as_of=AS_OF))
    assert at_as_of not in never
    just_after = AS_OF + timedelta(microseconds=1)
    assert at_as_of in set(
        segment_member_ids({"field": "recency_days", "op": "=", "value": 0}, as_of=just_after)
    )
