"""Hypothesis strategies for the pricing engine: random baskets, offer sets and contexts, built as
engine values (no database), covering every OfferKind, scope, stacking and cap option."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

from omniloop.promotions.values import (
    Candidate,
    LineIn,
    OfferKind,
    OfferRule,
    PricingContext,
    Window,
)

PRODUCTS = range(1, 7)
CATEGORIES = range(1, 4)
COLLECTIONS = range(1, 4)
# Product -> the collections it is in: one in two, one in none, the others in one each.
MEMBERSHIP = {1: {1}, 2: {1, 2}, 3: {2}, 4: {2}, 5: set(), 6: {3}}
TIERS = ("standard", "silver", "gold", "platinum")
CHANNELS = ("store-till", "wechat-mall")
STORES = (1, 2)
NOW = datetime(2026, 5, 16, 10, 30, tzinfo=UTC)  # a Saturday morning

fen = st.integers(min_value=0, max_value=200_000)
pay_percent = st.integers(min_value=0, max_value=99)


@st.composite
def lines(draw: st.DrawFn) -> list[LineIn]:
    n = draw(st.integers(min_value=1, max_value=5))
    out = []
    for i in range(n):
        product = draw(st.sampled_from(PRODUCTS))
        out.append(
            LineIn(
                sku_id=100 + i,
                product_id=product,
                category_ids=frozenset({product % 3 + 1}),
                quantity=draw(st.integers(min_value=1, max_value=4)),
                unit_price=draw(st.one_of(st.just(0), st.integers(1, 100_000))),
                collection_ids=frozenset(MEMBERSHIP[product]),
            )
        )
    return out


def _params(kind: OfferKind) -> st.SearchStrategy[dict[str, Any]]:
    min_spend = st.one_of(st.just(0), fen)
    tiers = st.dictionaries(st.sampled_from(TIERS), st.integers(50, 99), min_size=1)
    match kind:
        case OfferKind.AMOUNT_OFF:
            return st.fixed_dictionaries({"amount": st.integers(1, 50_000), "min_spend": min_spend})
        case OfferKind.PERCENT_OFF:
            return st.fixed_dictionaries(
                {"pay_percent": pay_percent, "min_spend": min_spend},
                optional={"cap": st.integers(0, 50_000)},
            )
        case OfferKind.THRESHOLD:
            tiered = st.lists(st.tuples(fen, st.integers(1, 50_000)), min_size=1, max_size=3).map(
                lambda t: {"tiers": [list(x) for x in t]}
            )
            repeating = st.fixed_dictionaries(
                {"repeat_every": st.integers(1, 100_000), "repeat_off": st.integers(1, 20_000)},
                optional={"cap": st.integers(1, 50_000)},
            )
            return st.one_of(tiered, repeating)
        case OfferKind.BUY_X_GET_Y:
            return st.fixed_dictionaries(
                {
                    "buy": st.integers(1, 3),
                    "get": st.integers(1, 2),
                    "get_pay_percent": st.integers(0, 90),
                }
            )
        case OfferKind.MEMBER_PRICE | OfferKind.MEMBER_EXTRA:
            return st.fixed_dictionaries({"pay_percent_by_tier": tiers})
        case OfferKind.FIXED_PRICE:
            return st.one_of(
                st.fixed_dictionaries({"price": st.integers(0, 100_000)}),
                st.fixed_dictionaries(
                    {"sku_prices": st.dictionaries(st.integers(100, 104), st.integers(0, 100_000))}
                ),
            )
        case OfferKind.GIFT:
            return st.fixed_dictionaries(
                {"min_spend": min_spend, "gift_sku_id": st.just(999), "quantity": st.integers(1, 2)}
            )
        case OfferKind.FREE_SHIPPING:
            return st.fixed_dictionaries({"min_spend": min_spend})


@st.composite
def rule(draw: st.DrawFn, offer_id: int, *, plain: bool = False) -> OfferRule:
    """A random offer. `plain` leaves out audience and window restrictions (channel-agnostic,
    always on, for everyone) so that the same offer set can be priced in several channels."""
    kind = draw(st.sampled_from(list(OfferKind)))
    all_products = draw(st.booleans())
    restricted = not plain and draw(st.booleans())
    window = Window()
    if restricted and draw(st.booleans()):
        window = Window(
            weekdays=frozenset(draw(st.sets(st.integers(0, 6), max_size=3))),
        )
    return OfferRule(
        id=offer_id,
        name=f"offer {offer_id}",
        kind=kind,
        params=draw(_params(kind)),
        all_products=all_products,
        product_ids=frozenset()
        if all_products
        else frozenset(draw(st.sets(st.sampled_from(PRODUCTS), max_size=3))),
        category_ids=frozenset()
        if all_products
        else frozenset(draw(st.sets(st.sampled_from(CATEGORIES), max_size=2))),
        collection_ids=frozenset()
        if all_products
        else frozenset(draw(st.sets(st.sampled_from(COLLECTIONS), max_size=2))),
        channels=frozenset(draw(st.sets(st.sampled_from(CHANNELS), max_size=1)))
        if restricted
        else frozenset(),
        store_ids=frozenset(draw(st.sets(st.sampled_from(STORES), max_size=1)))
        if restricted
        else frozenset(),
        tiers=frozenset(draw(st.sets(st.sampled_from(TIERS), max_size=2)))
        if restricted
        else frozenset(),
        requires_member=restricted and draw(st.booleans()),
        window=window,
        stacking_group=draw(st.sampled_from(["", "", "", "a", "b"])),
        exclusive=draw(st.integers(0, 4)) == 0,
        priority=draw(st.integers(0, 3)),
        compound=draw(st.booleans()),
        max_discount=draw(st.one_of(st.none(), st.integers(0, 60_000))),
        coupon_only=not plain and draw(st.integers(0, 4)) == 0,
    )


@st.composite
def candidates(draw: st.DrawFn, *, plain: bool = False) -> list[Candidate]:
    n = draw(st.integers(min_value=0, max_value=7))
    out = []
    for offer_id in range(1, n + 1):
        r = draw(rule(offer_id, plain=plain))
        with_coupon = r.coupon_only or (not plain and draw(st.integers(0, 5)) == 0)
        out.append(
            Candidate(r, coupon_id=offer_id * 10, code=f"C{offer_id}")
            if with_coupon
            else Candidate(r)
        )
    return out


@st.composite
def contexts(draw: st.DrawFn) -> PricingContext:
    member = draw(st.booleans())
    return PricingContext(
        channel=draw(st.sampled_from(CHANNELS)),
        store_id=draw(st.sampled_from((None, *STORES))),
        member_id=1 if member else None,
        tier=draw(st.sampled_from(TIERS)) if member else None,
        local_now=NOW,
        shipping=draw(st.sampled_from((0, 0, 1000, 2000))),
    )
