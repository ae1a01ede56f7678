"""Worked examples of the pricing engine: the classic Chinese retail offers and the failures
other platforms shipped (Saleor's free orders, Oscar's negative totals)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from omniloop.promotions.engine import price_basket
from omniloop.promotions.values import (
    Candidate,
    LineIn,
    OfferKind,
    OfferRule,
    PricingContext,
    Quote,
    Reason,
    Window,
)

SATURDAY_10_SHANGHAI = datetime(2026, 5, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def line(price_yuan: int, qty: int = 1, *, sku: int = 1, product: int = 1) -> LineIn:
    return LineIn(sku, product, frozenset({1}), qty, price_yuan * 100)


def offer(kind: OfferKind, offer_id: int = 1, **kw: Any) -> OfferRule:
    params = kw.pop("params")
    return OfferRule(id=offer_id, name=f"offer {offer_id}", kind=kind, params=params, **kw)


def ctx(**kw: Any) -> PricingContext:
    fields: dict[str, Any] = {
        "channel": "store-till",
        "store_id": 1,
        "member_id": None,
        "tier": None,
        "local_now": SATURDAY_10_SHANGHAI,
    }
    fields.update(kw)
    return PricingContext(**fields)


def price(lines: list[LineIn], *rules: OfferRule | Candidate, **kw: Any) -> Quote:
    cands = [r if isinstance(r, Candidate) else Candidate(r) for r in rules]
    return price_basket(lines, cands, ctx(**kw))


def reasons(q: Quote) -> dict[int, Reason]:
    return {r.offer_id: r.reason for r in q.rejected}


TIERED = offer(OfferKind.THRESHOLD, params={"tiers": [[30000, 5000], [50000, 10000]]})


@pytest.mark.parametrize(
    ("basket_yuan", "total_yuan"),
    [(299, 299), (300, 250), (499, 449), (500, 400), (980, 880)],
)
def test_manjian_tiers_300_minus_50_and_500_minus_100(basket_yuan, total_yuan):
    q = price([line(basket_yuan)], TIERED)
    assert q.total == total_yuan * 100
    if basket_yuan < 300:
        assert reasons(q) == {1: Reason.THRESHOLD_NOT_MET}


def test_tier_spend_counts_only_in_scope_lines():
    tops = replace(TIERED, all_products=False, product_ids=frozenset({1}))
    q = price([line(200, product=1), line(200, sku=2, product=2)], tops)
    assert q.total == 40000 and reasons(q) == {1: Reason.THRESHOLD_NOT_MET}


def test_a_collection_scope_reaches_the_lines_in_the_collection_and_no_other():
    capsule = offer(
        OfferKind.AMOUNT_OFF,
        params={"amount": 3000},
        all_products=False,
        collection_ids=frozenset({7}),
    )
    inside = replace(line(200, product=1), collection_ids=frozenset({7, 8}))
    outside = replace(line(100, sku=2, product=2), collection_ids=frozenset({8}))
    q = price([inside, outside], capsule)
    assert [ql.discount for ql in q.lines] == [3000, 0]
    assert reasons(price([outside], capsule)) == {1: Reason.NO_ELIGIBLE_ITEMS}


@pytest.mark.parametrize(
    ("basket_yuan", "off_yuan"),
    [(199, 0), (200, 20), (399, 20), (400, 40), (799, 60), (5000, 60)],
)
def test_every_full_200_minus_20_repeats_up_to_its_cap(basket_yuan, off_yuan):
    every = offer(
        OfferKind.THRESHOLD, params={"repeat_every": 20000, "repeat_off": 2000, "cap": 6000}
    )
    q = price([line(basket_yuan)], every)
    assert q.discount == off_yuan * 100


PROMO_40 = offer(OfferKind.PERCENT_OFF, 1, params={"pay_percent": 60})
COUPON_70 = offer(OfferKind.PERCENT_OFF, 2, params={"pay_percent": 30}, coupon_only=True)


def test_a_70_percent_coupon_on_a_40_percent_promotion_is_never_free():
    """Saleor #17453: the voucher was taken off the undiscounted price on top of the promotion,
    and the order became free. Percentages take their share of what is left: 100 -> 60 -> 18,
    whatever the offers' compound flags."""
    for compound in (False, True):
        coupon = Candidate(replace(COUPON_70, compound=compound), coupon_id=7, code="SAVE70")
        q = price([line(100)], PROMO_40, coupon)
        assert q.total == 1800
        assert [a.amount for a in q.applied] == [4000, 4200]
        q = price([line(100)], coupon, replace(PROMO_40, priority=200))  # either order
        assert q.total == 1800


def test_a_70_percent_coupon_in_the_promotions_stacking_group_replaces_it():
    promo = replace(PROMO_40, stacking_group="percent")
    coupon = Candidate(replace(COUPON_70, stacking_group="percent"), coupon_id=7, code="SAVE70")
    q = price([line(100)], promo, coupon)
    assert q.total == 3000
    assert reasons(q) == {1: Reason.SAME_STACKING_GROUP}


def test_oscar_negative_totals_cannot_happen_amounts_stop_at_zero():
    """Oscar: absolute discounts larger than the basket produced a negative total."""
    big = offer(OfferKind.AMOUNT_OFF, 1, params={"amount": 50000})
    bigger = offer(OfferKind.AMOUNT_OFF, 2, params={"amount": 80000}, compound=True)
    fixed = offer(OfferKind.FIXED_PRICE, 3, params={"price": 0})
    q = price([line(120, 2), line(30, sku=2, product=2)], big, bigger, fixed, shipping=1000)
    assert q.subtotal == 27000
    assert q.total == 1000  # shipping is still owed; the goods cost nothing, never less
    assert all(ln.total == 0 for ln in q.lines)
    assert sum(a.amount for a in q.applied) == 27000


def test_buy_2_get_1_free_gives_the_cheapest_unit():
    b2g1 = offer(OfferKind.BUY_X_GET_Y, params={"buy": 2, "get": 1, "get_pay_percent": 0})
    q = price([line(300, sku=1), line(200, sku=2), line(100, sku=3)], b2g1)
    assert [ln.discount for ln in q.lines] == [0, 0, 10000]
    q = price([line(300, 4, sku=1), line(100, 2, sku=2)], b2g1)  # 6 units: 2 free, the cheapest
    assert [ln.discount for ln in q.lines] == [0, 20000]
    assert reasons(price([line(300, 2)], b2g1)) == {1: Reason.THRESHOLD_NOT_MET}


def test_buy_1_get_1_does_not_give_a_dearer_unit_when_another_offer_made_one_free():
    """Two jackets and a tee the clearance made free: buy 1 get 1 has three bought units, and
    the cheapest (the tee, now worth nothing) is its free one; it must not give a jacket."""
    tee_free = offer(
        OfferKind.FIXED_PRICE,
        1,
        params={"price": 0},
        all_products=False,
        product_ids=frozenset({2}),
        priority=10,
    )
    b1g1 = offer(OfferKind.BUY_X_GET_Y, 2, params={"buy": 1, "get": 1, "get_pay_percent": 0})
    basket = [line(399, 2, sku=1, product=1), line(99, sku=2, product=2)]
    assert price(basket, b1g1).discount == 9900  # alone: the tee
    q = price(basket, tee_free, b1g1)
    assert q.total == 79800
    assert [a.offer_id for a in q.applied] == [1]
    assert reasons(q) == {2: Reason.NO_DISCOUNT}


def test_buy_2_get_the_third_half_price_counts_sets():
    half = offer(OfferKind.BUY_X_GET_Y, params={"buy": 2, "get": 1, "get_pay_percent": 50})
    assert price([line(100, 2)], half).discount == 0
    assert price([line(100, 3)], half).discount == 5000
    assert price([line(100, 5)], half).discount == 5000
    assert price([line(100, 6)], half).discount == 10000


def test_member_extra_is_taken_on_the_already_discounted_price():
    """会员折上折: 8折 for everyone, then gold members pay 95% of that: 100 -> 80 -> 76."""
    sale = offer(OfferKind.PERCENT_OFF, 1, params={"pay_percent": 80})
    extra = offer(
        OfferKind.MEMBER_EXTRA,
        2,
        params={"pay_percent_by_tier": {"gold": 95, "platinum": 90}},
        compound=True,
        priority=200,
    )
    assert price([line(100)], sale, extra, member_id=5, tier="gold").total == 7600
    assert price([line(100)], sale, extra, member_id=5, tier="platinum").total == 7200
    q = price([line(100)], sale, extra, member_id=5, tier="silver")
    assert q.total == 8000 and reasons(q) == {2: Reason.TIER_NOT_ELIGIBLE}
    q = price([line(100)], sale, extra)
    assert q.total == 8000 and reasons(q) == {2: Reason.MEMBERS_ONLY}


def test_gift_with_purchase_over_the_threshold():
    gift = offer(OfferKind.GIFT, params={"min_spend": 50000, "gift_sku_id": 99, "quantity": 1})
    q = price([line(500)], gift)
    assert q.total == 50000 and [(g.sku_id, g.quantity) for g in q.gifts] == [(99, 1)]
    assert [a.offer_id for a in q.applied] == [1]
    q = price([line(499)], gift)
    assert q.gifts == () and reasons(q) == {1: Reason.THRESHOLD_NOT_MET}


def test_free_shipping_over_99():
    free = offer(OfferKind.FREE_SHIPPING, params={"min_spend": 9900})
    q = price([line(99)], free, shipping=1000)
    assert (q.shipping, q.shipping_discount, q.total) == (1000, 1000, 9900)
    q = price([line(98)], free, shipping=1000)
    assert (q.shipping_discount, q.total) == (0, 10800)


WEEKEND_MORNINGS = Window(weekdays=frozenset({5, 6}), daily_start=time(9), daily_end=time(12))


def test_time_windows_are_read_in_the_store_local_time():
    """Saturday 10:00 in Shanghai is Saturday 02:00 UTC: a weekend-morning offer applies to a
    Shanghai store but not to a store whose clock says 02:00."""
    early = offer(OfferKind.AMOUNT_OFF, params={"amount": 1000}, window=WEEKEND_MORNINGS)
    assert price([line(100)], early).discount == 1000
    in_utc = SATURDAY_10_SHANGHAI.astimezone(UTC)
    q = price([line(100)], early, local_now=in_utc)
    assert q.discount == 0 and reasons(q) == {1: Reason.OUTSIDE_HOURS}
    friday_night_utc = datetime(2026, 5, 15, 23, 0, tzinfo=UTC)  # Sat 07:00 in Shanghai
    q = price([line(100)], early, local_now=friday_night_utc)
    assert reasons(q) == {1: Reason.OUTSIDE_HOURS}


def test_an_exclusive_offer_applies_alone_when_it_beats_the_stack():
    exclusive = offer(OfferKind.PERCENT_OFF, 1, params={"pay_percent": 70}, exclusive=True)
    ten = offer(OfferKind.PERCENT_OFF, 2, params={"pay_percent": 90})
    fifty = offer(OfferKind.AMOUNT_OFF, 3, params={"amount": 5000})
    q = price([line(1000)], exclusive, ten, fifty)
    assert q.total == 70000
    assert reasons(q) == {2: Reason.EXCLUSIVE_APPLIED, 3: Reason.EXCLUSIVE_APPLIED}
    q = price([line(100)], exclusive, ten, fifty)  # 10 + 50 = 60 off beats 30 off
    assert q.total == 4000
    assert reasons(q) == {1: Reason.BETTER_STACK_APPLIED}


def test_within_a_stacking_group_only_the_best_offer_applies():
    a = offer(OfferKind.AMOUNT_OFF, 1, params={"amount": 3000}, stacking_group="store")
    b = offer(OfferKind.PERCENT_OFF, 2, params={"pay_percent": 80}, stacking_group="store")
    other = offer(OfferKind.AMOUNT_OFF, 3, params={"amount": 1000})
    q = price([line(100)], a, b, other)
    assert [x.offer_id for x in q.applied] == [1, 3]
    assert reasons(q) == {2: Reason.SAME_STACKING_GROUP}
    q = price([line(300)], a, b, other)  # 20% of 300 = 60 beats 30
    assert [x.offer_id for x in q.applied] == [2, 3]


def test_max_discount_caps_an_offer_per_order():
    capped = offer(OfferKind.PERCENT_OFF, params={"pay_percent": 50}, max_discount=10000)
    q = price([line(300), line(100, sku=2)], capped)
    assert q.discount == 10000
    assert [ln.discount for ln in q.lines] == [7500, 2500]  # split by line value


def test_coupon_only_offers_need_their_coupon():
    coupon_offer = offer(OfferKind.AMOUNT_OFF, params={"amount": 1000}, coupon_only=True)
    assert reasons(price([line(100)], coupon_offer)) == {1: Reason.COUPON_REQUIRED}
    assert price([line(100)], Candidate(coupon_offer, 3, "C")).discount == 1000
