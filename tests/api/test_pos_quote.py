"""POST /api/v1/pos/quote: what a sale of the basket would cost, with no effects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.core.models import IdempotencyRecord
from omniloop.orders.models import Order
from omniloop.promotions.models import Coupon, Redemption
from omniloop.stores.selectors import channel_for_store_till
from tests.api.helpers import post_json
from tests.factories import make_member, make_product
from tests.promotions.pricing_helpers import (
    issued_coupon,
    live_offer,
    no_writes,
    shared_code,
    tiered,
)

pytestmark = pytest.mark.django_db
URL = "/api/v1/pos/quote"
SALES = "/api/v1/pos/sales"


@pytest.fixture
def shop(till):
    make_product("TS200", price="99.50")
    gift = make_product("GIFT1", price="59.00", sizes=("M",))
    offers = {
        "tiers": live_offer(name="满300减50", kind="threshold", params={"tiers": [[30000, 5000]]}),
        "gold": live_offer(
            name="金卡95折",
            kind="member_extra",
            params={"pay_percent_by_tier": {"gold": 95}},
            compound=True,
            priority=200,
        ),
        "gift": live_offer(
            name="满500赠",
            kind="gift",
            params={"min_spend": 50000, "gift_sku_id": gift.skus.get().pk, "quantity": 1},
        ),
    }
    return offers


def test_a_quote_lists_lines_discounts_rejections_gifts_and_the_total(client, till, shop):
    member = tiered(make_member("13900139000"), "gold")
    coupon = issued_coupon(member)
    shared_code("SPRING20")
    body = {
        "phone": "13900139000",
        "lines": [{"sku": "JK100-M", "quantity": 1}, {"sku": "TS200-L", "quantity": 2}],
        "coupon_codes": [coupon.code, "spring20", "NOPE2345"],
    }
    r = post_json(client, URL, body, **till.auth)
    assert r.status_code == 200, r.content
    data = r.json()
    assert data["member_code"] == member.code
    assert [(ln["sku"], ln["quantity"], ln["unit_price"]) for ln in data["lines"]] == [
        ("JK100-M", 1, "399.00"),
        ("TS200-L", 2, "99.50"),
    ]
    assert data["subtotal"] == "598.00"
    assert [(d["name"], d["amount"], d["coupon_code"]) for d in data["discounts"]] == [
        ("满300减50", "50.00", None),
        ("满500赠", "0.00", None),
        ("¥50 coupon", "50.00", coupon.code),
        ("shared SPRING20", "20.00", "SPRING20"),
        ("金卡95折", "23.90", None),  # priority 200, compounding: 5% of what is left (478)
    ]
    assert data["gifts"] == [{"offer_id": shop["gift"].pk, "sku": "GIFT1-M", "quantity": 1}]
    assert data["coupon_problems"] == [{"code": "NOPE2345", "reason": "coupon_unknown"}]
    assert data["rejected"] == []
    assert data["discount"] == "143.90"
    assert data["total"] == "454.10"
    assert sum(Decimal(ln["total"]) for ln in data["lines"]) == Decimal("454.10")


def test_rejected_offers_carry_their_reason(client, till, shop):
    r = post_json(client, URL, {"lines": [{"sku": "TS200-M", "quantity": 1}]}, **till.auth)
    assert r.status_code == 200
    reasons = {(x["name"], x["reason"]) for x in r.json()["rejected"]}
    assert reasons == {
        ("满300减50", "offer_threshold_not_met"),
        ("金卡95折", "offer_members_only"),
        ("满500赠", "offer_threshold_not_met"),
    }
    assert r.json()["total"] == "99.50"


def test_a_quote_has_no_effects(client, till, shop):
    member = tiered(make_member("13900139000"), "gold")
    coupon = issued_coupon(member)
    channel_for_store_till()
    body = {
        "member_code": member.code,
        "lines": [{"sku": "JK100-M", "quantity": 2}],
        "coupon_codes": [coupon.code],
    }
    post_json(client, URL, body, **till.auth)  # warm up: token last-used stamps and the like
    with no_writes():
        r = post_json(client, URL, body, **till.auth)
    assert r.status_code == 200
    assert Order.objects.count() == 0 and Redemption.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.ISSUED


def test_the_sale_of_a_quoted_basket_commits_the_quoted_figures(client, till, shop):
    member = tiered(make_member("13900139000"), "gold")
    coupon = issued_coupon(member)
    lines = [{"sku": "JK100-S", "quantity": 1}, {"sku": "TS200-S", "quantity": 3}]
    quote = post_json(
        client,
        URL,
        {"member_code": member.code, "lines": lines, "coupon_codes": [coupon.code]},
        **till.auth,
    ).json()
    sale = {
        "receipt_no": "R-1",
        "member_code": member.code,
        "lines": lines,
        "coupon_codes": [coupon.code],
        "total": quote["total"],
    }
    r = post_json(client, SALES, sale, HTTP_IDEMPOTENCY_KEY="key-quoted-1", **till.auth)
    assert r.status_code == 201, r.content
    assert r.json()["lines"] == quote["lines"]
    assert r.json()["discounts"] == quote["discounts"]
    assert r.json()["total"] == quote["total"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"lines": [{"sku": "NOPE", "quantity": 1}]}, 422, "sku_unknown"),
        ({"lines": []}, 422, "validation_error"),
        ({"lines": [{"sku": "JK100-M", "quantity": 0}]}, 422, "validation_error"),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1, "unit_price": "1"}]},
            422,
            "validation_error",
        ),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1}], "phone": "13700137000"},
            404,
            "member_not_found",
        ),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1}], "coupon_codes": ["X"] * 21},
            422,
            "validation_error",
        ),
    ],
)
def test_bad_quotes_get_a_stable_code(client, till, body, status, code):
    r = post_json(client, URL, body, **till.auth)
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code


def test_guessing_coupon_codes_is_rate_limited(client, till):
    for i in range(10):
        body = {"lines": [{"sku": "JK100-M", "quantity": 1}], "coupon_codes": [f"GUESS{i:04d}"]}
        assert post_json(client, URL, body, **till.auth).status_code == 200
    r = post_json(client, URL, body, **till.auth)
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "coupon_guess_rate_limited"
