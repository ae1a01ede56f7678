"""Properties of the pure pricing engine over random baskets and random offer sets."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from omniloop.promotions.engine import price_basket
from omniloop.promotions.money import percent_of
from omniloop.promotions.values import (
    Adjustment,
    Candidate,
    LineIn,
    OfferKind,
    PricingContext,
    Quote,
)
from tests.promotions.engine_strategies import MEMBERSHIP, candidates, contexts, lines

SETTINGS = settings(max_examples=200, deadline=None)


def _key(offer_id: int, coupon_id: int | None) -> tuple[int, int]:
    return (offer_id, coupon_id or 0)


def _rejections(q: Quote) -> list[tuple[int, int, str]]:
    return sorted((r.offer_id, r.coupon_id or 0, r.reason.value) for r in q.rejected)


@SETTINGS
@given(lines(), candidates(), contexts())
def test_totals_and_lines_stay_between_zero_and_their_subtotal(basket, cands, ctx):
    q = price_basket(basket, cands, ctx)
    assert q.total >= 0
    assert 0 <= q.shipping_discount <= q.shipping == ctx.shipping
    assert q.subtotal == sum(ln.unit_price * ln.quantity for ln in basket)
    for i, line in enumerate(q.lines):
        assert 0 <= line.total <= line.subtotal
        assert line.discount == line.subtotal - line.total
        assert line.discount == sum(a.per_line[i] for a in q.applied)
    assert q.discount == sum(a.amount for a in q.applied) == sum(ln.discount for ln in q.lines)
    assert q.shipping_discount == sum(a.shipping for a in q.applied)
    assert q.total == q.subtotal - q.discount + q.shipping - q.shipping_discount


@SETTINGS
@given(lines(), candidates(), contexts())
def test_every_candidate_is_applied_or_rejected_exactly_once(basket, cands, ctx):
    q = price_basket(basket, cands, ctx)
    seen = Counter(_key(a.offer_id, a.coupon_id) for a in q.applied)
    seen.update(_key(r.offer_id, r.coupon_id) for r in q.rejected)
    assert seen == Counter(_key(c.rule.id, c.coupon_id) for c in cands)
    for a in q.applied:
        assert a.amount == sum(a.per_line) and all(p >= 0 for p in a.per_line)
        assert a.amount > 0 or a.shipping > 0 or any(g.offer_id == a.offer_id for g in q.gifts)


def _rule_bound(c: Candidate, basket: list[LineIn], ctx: PricingContext) -> int:
    """The most an offer may take by its own rule, on list prices of the lines in its scope."""
    rule, p = c.rule, c.rule.params
    scoped = [ln for ln in basket if rule.in_scope(ln)]
    base = sum(ln.unit_price * ln.quantity for ln in scoped)
    match rule.kind:
        case OfferKind.AMOUNT_OFF:
            bound = int(p["amount"])
        case OfferKind.PERCENT_OFF:
            off = Decimal(100 - int(p["pay_percent"]))
            bound = sum(percent_of(ln.unit_price * ln.quantity, off) for ln in scoped)
            if "cap" in p:
                bound = min(bound, int(p["cap"]))
        case OfferKind.THRESHOLD:
            if "repeat_every" in p:
                bound = base // int(p["repeat_every"]) * int(p["repeat_off"])
                bound = min(bound, int(p.get("cap") or bound))
            else:
                bound = max(
                    (int(off) for spend, off in p["tiers"] if base >= int(spend)), default=0
                )
        case OfferKind.MEMBER_PRICE | OfferKind.MEMBER_EXTRA:
            pay = p["pay_percent_by_tier"].get(ctx.tier or "", 100)
            off = Decimal(100 - int(pay))
            bound = sum(percent_of(ln.unit_price * ln.quantity, off) for ln in scoped)
        case OfferKind.FIXED_PRICE:
            prices = {int(k): int(v) for k, v in p.get("sku_prices", {}).items()}
            bound = 0
            for ln in scoped:
                price = prices.get(ln.sku_id, p.get("price"))
                if price is not None:
                    bound += max(0, ln.unit_price - int(price)) * ln.quantity
        case OfferKind.BUY_X_GET_Y:
            units = sorted(ln.unit_price for ln in scoped for _ in range(ln.quantity))
            free = len(units) // (int(p["buy"]) + int(p["get"])) * int(p["get"])
            off = Decimal(100 - int(p["get_pay_percent"]))
            bound = sum(percent_of(u, off) for u in units[:free])
        case OfferKind.GIFT | OfferKind.FREE_SHIPPING:
            bound = 0
    bound = min(bound, base)
    if rule.max_discount is not None:
        bound = min(bound, rule.max_discount)
    return bound


def _alone(c: Candidate, basket: list[LineIn], ctx: PricingContext) -> Adjustment:
    applied = price_basket(basket, [c], ctx).applied
    assert len(applied) == 1, "an offer that applies in a stack applies on its own"
    return applied[0]


@SETTINGS
@given(lines(), candidates(), contexts())
def test_no_offer_takes_more_than_its_rule_allows_alone(basket, cands, ctx):
    q = price_basket(basket, cands, ctx)
    by_key = {_key(c.rule.id, c.coupon_id): c for c in cands}
    for a in q.applied:
        c = by_key[_key(a.offer_id, a.coupon_id)]
        alone = _alone(c, basket, ctx)
        assert a.amount <= alone.amount <= _rule_bound(c, basket, ctx)
        for i, ln in enumerate(basket):
            if not c.rule.in_scope(ln):
                assert a.per_line[i] == 0
        if c.rule.kind == OfferKind.FREE_SHIPPING:
            assert a.shipping <= ctx.shipping
        else:
            assert a.shipping == 0


@SETTINGS
@given(lines(), candidates(), contexts(), st.randoms(use_true_random=False))
def test_quote_is_deterministic_and_candidate_order_does_not_matter(basket, cands, ctx, rnd):
    first = price_basket(basket, cands, ctx)
    assert price_basket(basket, cands, ctx) == first
    shuffled = list(cands)
    rnd.shuffle(shuffled)
    other = price_basket(basket, shuffled, ctx)
    assert (other.lines, other.total, other.applied, other.gifts) == (
        first.lines,
        first.total,
        first.applied,
        first.gifts,
    )
    assert _rejections(other) == _rejections(first)


@SETTINGS
@given(lines(), candidates(plain=True), contexts())
def test_channel_agnostic_offers_price_the_same_at_the_till_and_in_the_h5(basket, cands, ctx):
    till = PricingContext(
        channel="store-till",
        store_id=1,
        member_id=ctx.member_id,
        tier=ctx.tier,
        local_now=ctx.local_now,
    )
    h5 = PricingContext(
        channel="wechat-mall",
        store_id=None,
        member_id=ctx.member_id,
        tier=ctx.tier,
        local_now=ctx.local_now,
    )
    a, b = price_basket(basket, cands, till), price_basket(basket, cands, h5)
    assert (a.total, a.lines, a.applied, a.gifts) == (b.total, b.lines, b.applied, b.gifts)


def _collections_as_products(c: Candidate) -> Candidate:
    """The same offer with its collections spelled out as the products in them."""
    members = {p for p, ids in MEMBERSHIP.items() if ids & c.rule.collection_ids}
    rule = replace(c.rule, product_ids=c.rule.product_ids | members, collection_ids=frozenset())
    return replace(c, rule=rule)


@SETTINGS
@given(lines(), candidates(), contexts())
def test_a_collection_scope_prices_exactly_like_the_products_in_it(basket, cands, ctx):
    """Being in a listed collection counts exactly as being a listed product, alongside the
    offer's own products and categories."""
    q = price_basket(basket, cands, ctx)
    spelled = price_basket(basket, [_collections_as_products(c) for c in cands], ctx)
    assert spelled == q
