"""Strict rule validation: every unknown or ill-typed part is refused with a stable code and
the path of the part."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from omniloop.core.errors import ValidationFailed
from omniloop.insights.rules import Compare, Not, Purchased, rule_parse

TZ = ZoneInfo("Asia/Shanghai")

BAD = [
    ([], "rule_invalid", "$"),
    ({}, "rule_invalid", "$"),
    ({"all": []}, "rule_invalid", "$.all"),
    ({"all": [{"field": "nope", "op": "=", "value": 1}]}, "rule_unknown_field", "$.all[0].field"),
    ({"field": "orders_30d", "op": "~", "value": 1}, "rule_unknown_op", "$.op"),
    ({"field": "tier", "op": ">", "value": "gold"}, "rule_unknown_op", "$.op"),
    ({"field": "orders_30d", "op": "=", "value": "x"}, "rule_invalid_value", "$.value"),
    ({"field": "orders_30d", "op": "=", "value": True}, "rule_invalid_value", "$.value"),
    ({"field": "orders_30d", "op": "=", "value": 1.5}, "rule_invalid_value", "$.value"),
    ({"field": "spend_30d", "op": "=", "value": "1e999999"}, "rule_invalid_value", "$.value"),
    ({"field": "spend_30d", "op": "in", "value": []}, "rule_invalid_value", "$.value"),
    ({"field": "spend_30d", "op": "between", "value": [3, 1]}, "rule_invalid_value", "$.value"),
    ({"field": "orders_30d", "op": "=", "value": 1, "x": 2}, "rule_unknown_key", "$.x"),
    ({"field": "orders_30d", "op": "="}, "rule_invalid", "$.value"),
    ({"every": []}, "rule_unknown_key", "$.every"),
    ({"not": {"purchased": {"colour": "red"}}}, "rule_unknown_filter", "$.not.purchased.colour"),
    ({"purchased": {"weekdays": [0]}}, "rule_invalid_value", "$.purchased.weekdays"),
    ({"purchased": {"hours": [8, 8]}}, "rule_invalid_value", "$.purchased.hours"),
    ({"purchased": {"hours": [8, 25]}}, "rule_invalid_value", "$.purchased.hours"),
    ({"purchased": {"within_days": 0}}, "rule_invalid_value", "$.purchased.within_days"),
    ({"purchased": {"min_orders": "2"}}, "rule_invalid_value", "$.purchased.min_orders"),
    ({"purchased": {"min_amount": -1}}, "rule_invalid_value", "$.purchased.min_amount"),
    ({"purchased": {"since": "yesterday"}}, "rule_invalid_value", "$.purchased.since"),
    ({"purchased": {"sku": []}}, "rule_invalid_value", "$.purchased.sku"),
    ({"purchased": {"sku": 5}}, "rule_invalid_value", "$.purchased.sku"),
    ({"purchased": []}, "rule_invalid", "$.purchased"),
    (
        {
            "any": [
                {
                    "all": [
                        {"purchased": {"store": "a"}},
                        {"field": "age", "op": "in", "value": ["x"]},
                    ]
                }
            ]
        },
        "rule_invalid_value",
        "$.any[0].all[1].value[0]",
    ),
]


@pytest.mark.parametrize(("rule", "code", "path"), BAD, ids=[c for _, c, _ in BAD])
def test_bad_rules_name_the_code_and_path(rule, code, path):
    with pytest.raises(ValidationFailed) as err:
        rule_parse(rule, tz=TZ)
    assert (err.value.code, err.value.extra["path"], err.value.status) == (code, path, 422)


def test_too_large_a_rule_is_refused():
    rule = {"any": [{"field": "orders_30d", "op": "=", "value": i} for i in range(250)]}
    with pytest.raises(ValidationFailed) as err:
        rule_parse(rule, tz=TZ)
    assert err.value.code == "rule_too_large"


def test_good_rules_parse():
    parsed = rule_parse({"not": {"purchased": {"sku": "a", "until": "2026-01-31"}}}, tz=TZ)
    assert isinstance(parsed, Not) and isinstance(parsed.item, Purchased)
    assert parsed.item.filters == {"sku": ("a",)}
    assert parsed.item.until.isoformat() == "2026-02-01T00:00:00+08:00"  # the end of 31 January
    cmp = rule_parse({"field": "spend_30d", "op": "between", "value": [1, "2.50"]}, tz=TZ)
    assert isinstance(cmp, Compare) and str(cmp.value[1]) == "2.50"
