"""Points on till sales: earning by the rules, paying with points, and the refusals."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_DOWN, Decimal

import pytest

from omniloop.catalog.models import Category, Product
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.loyalty.models import EarnRule, LedgerTransaction, PointsPolicy
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.orders.models import Order
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell
from tests.promotions.pricing_helpers import tiered

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    store = make_store("sh01")
    jacket = make_product("JK100", price="399.00")
    tee = make_product("TS200", price="99.50")
    return store, jacket, tee


def _floor(x: Decimal) -> int:
    return int(x.to_integral_value(ROUND_DOWN))


def test_a_sale_earns_the_base_rate_on_what_was_paid(shop):
    store, _, _ = shop
    member = make_member()
    order = sell(store, [("JK100-M", 1), ("TS200-M", 1)], total="498.50", member=member)
    # 1 point per yuan, each line rounded down: 399 + 99
    assert order.points_earned == 399 + 99
    assert points_balance(member_id=member.pk) == 498
    assert LedgerTransaction.objects.filter(reference=f"order:{order.number}:earn").exists()


def test_an_anonymous_sale_earns_nothing(shop):
    store, _, _ = shop
    order = sell(store, [("JK100-M", 1)], total="399.00")
    assert order.points_earned == 0
    assert not LedgerTransaction.objects.exists()


def test_the_highest_multiplier_wins_and_bonuses_add_once(shop):
    store, jacket, _ = shop
    member = tiered(make_member(), "gold")
    tops = jacket.category
    jackets = Category.objects.create(code="jackets", name="夹克", parent=tops)
    Product.objects.filter(pk=jacket.pk).update(category=jackets)
    EarnRule.objects.create(name="gold x1.5", kind="multiplier", tier="gold", multiplier="1.5")
    EarnRule.objects.create(
        name="jackets x3", kind="multiplier", category_code="jackets", multiplier="3"
    )
    EarnRule.objects.create(name="tops x2", kind="multiplier", category_code="tops", multiplier="2")
    EarnRule.objects.create(name="silver x5", kind="multiplier", tier="silver", multiplier="5")
    EarnRule.objects.create(
        name="past campaign x10",
        kind="multiplier",
        multiplier="10",
        ends_at=clock.now() - timedelta(days=1),
    )
    EarnRule.objects.create(name="big basket", kind="bonus", bonus_points=200, min_spend="450")
    EarnRule.objects.create(name="huge basket", kind="bonus", bonus_points=999, min_spend="5000")
    order = sell(store, [("JK100-M", 1), ("TS200-M", 1)], total="498.50", member=member)
    # The jacket (jackets, under tops): x3 beats x2 and x1.5, never compounded; the tee (tops,
    # not jackets): x2 beats x1.5; +200 bonus once.
    expected = _floor(Decimal("399") * 3) + _floor(Decimal("99.50") * 2) + 200
    assert order.points_earned == expected
    assert points_balance(member_id=member.pk) == expected


def test_paying_with_points_burns_them_and_earns_only_on_money(shop):
    store, _, _ = shop
    member = make_member()
    points_earn(member=member, points=10_000, reference="seed")
    order = sell(store, [("JK100-M", 1)], total="399.00", member=member, points=5_000)
    assert order.points_redeemed == 5_000
    assert order.points_value == Decimal("50.00")  # 100 points = 1 yuan
    assert order.points_earned == 349  # 399 - 50 paid in money
    assert points_balance(member_id=member.pk) == 10_000 - 5_000 + 349


@pytest.mark.parametrize(
    ("points", "code"),
    [
        (60_000, "points_over_limit"),  # 300 yuan (200 points each) > 50% of 399
        (150, "points_insufficient"),  # the member has 100
        (1, "points_not_whole_fen"),
    ],
)
def test_points_refusals_write_nothing(shop, points, code):
    store, _, _ = shop
    PointsPolicy.objects.update_or_create(pk=1, defaults={"redeem_points_per_yuan": 200})
    member = make_member()
    points_earn(member=member, points=100, reference="seed")
    if code == "points_over_limit":
        points_earn(member=member, points=100_000, reference="seed-2")
    before = (points_balance(member_id=member.pk), LedgerTransaction.objects.count())
    with pytest.raises(ApplicationError) as err:
        sell(store, [("JK100-M", 1)], total="399.00", member=member, points=points)
    assert err.value.code == code
    assert Order.objects.count() == 0
    assert (points_balance(member_id=member.pk), LedgerTransaction.objects.count()) == before


def test_points_without_a_member_are_refused(shop):
    store, _, _ = shop
    with pytest.raises(ApplicationError) as err:
        sell(store, [("JK100-M", 1)], total="399.00", points=100)
    assert err.value.code == "points_need_member"


def test_the_till_api_reports_points_and_what_is_left_to_pay(client, till):
    from tests.api.helpers import post_json, sale_body

    member = make_member()
    points_earn(member=member, points=2_000, reference="seed")
    body = sale_body(member_code=member.code, points=1_990)
    r = post_json(client, "/api/v1/pos/sales", body, HTTP_IDEMPOTENCY_KEY="k-points-1", **till.auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["points_redeemed"], data["points_value"], data["to_pay"]) == (
        1_990,
        "19.90",
        "379.10",
    )
    assert data["points_earned"] == 379
    assert points_balance(member_id=member.pk) == 2_000 - 1_990 + 379
