"""The OpenAPI schema says what the API takes: money as a two-place decimal string, integers
that JSON Schema calls integers, and no keyword JSON Schema does not have."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from pydantic import ValidationError

from omniloop.api.coupons import CouponTemplateIn
from omniloop.api.main import api
from omniloop.api.marketplace import StatusIn
from omniloop.api.schemas import SaleIn

PYDANTIC_ONLY = {"ge", "le", "gt", "lt", "max_digits", "decimal_places", "strict"}


def _keywords(node: Any, path: str = "") -> list[str]:
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PYDANTIC_ONLY and not path.endswith("/properties"):
                found.append(f"{path}/{key}")
            found += _keywords(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _keywords(value, f"{path}/{i}")
    return found


def test_no_keyword_json_schema_lacks():
    assert _keywords(api.get_openapi_schema()) == []


def _money_patterns() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema()["components"]["schemas"]
    found = []
    for name, component in schema.items():
        if not name.endswith("In"):
            continue
        for prop, spec in component.get("properties", {}).items():
            for branch in spec.get("anyOf", [spec]):
                if branch.get("examples") == ["199.00"]:
                    found.append((f"{name}.{prop}", branch["pattern"]))
    return found


def test_every_money_input_is_a_decimal_string_with_two_places_at_most():
    patterns = _money_patterns()
    assert {"SaleIn.total", "SaleLineIn.unit_price", "StatusIn.amount", "ListingIn.price"} <= {
        name for name, _ in patterns
    }
    for name, pattern in patterns:
        for bad in ("", "abc", "1.234", "-1.00", "1e3", "1.19e-07", " 1"):
            assert not re.match(pattern, bad), (name, bad)
        assert re.match(pattern, "199.00") and re.match(pattern, "7"), name


@pytest.mark.parametrize(
    ("value", "ok"), [("12.34", True), ("12.345", False), ("", False), ("abc", False)]
)
def test_what_the_pattern_allows_the_model_takes(value, ok):
    body = {"receipt_no": "R1", "lines": [{"sku": "A", "quantity": 1}], "total": value}
    if ok:
        assert str(SaleIn.model_validate(body).total) == value
    else:
        with pytest.raises(ValidationError):
            SaleIn.model_validate(body)


def test_a_positive_amount_refuses_zero_and_takes_a_cent():
    with pytest.raises(ValidationError):
        StatusIn.model_validate({"status": "refunded", "amount": "0.00"})
    assert str(StatusIn.model_validate({"status": "refunded", "amount": "0.01"}).amount) == "0.01"


@pytest.mark.parametrize(("value", "ok"), [(27, True), (27.0, True), ("27", False), (27.5, False)])
def test_integers_are_what_json_schema_calls_integers(value, ok):
    body = json.loads(json.dumps({"offer_id": 1, "name": "T", "issue_limit": value}))
    if ok:
        assert CouponTemplateIn.model_validate(body).issue_limit == 27
    else:
        with pytest.raises(ValidationError):
            CouponTemplateIn.model_validate(body)
    with pytest.raises(ValidationError):
        CouponTemplateIn.model_validate({"offer_id": True, "name": "T"})
