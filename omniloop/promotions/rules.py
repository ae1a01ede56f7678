"""Database offers -> engine rules. The one boundary where Decimal yuan becomes integer fen and
many-to-many scopes become frozensets, so the pure engine never sees a model."""

from __future__ import annotations

from omniloop.promotions.models import Offer
from omniloop.promotions.money import to_fen
from omniloop.promotions.values import OfferKind, OfferRule, Window


def offer_rule(offer: Offer) -> OfferRule:
    """The engine's view of `offer`. Reads the scope through `.all()`, so a queryset with
    `prefetch_related("products", "categories", "collections", "stores")` builds rules without
    extra queries. Params are copied as stored (their money is already integer fen)."""
    return OfferRule(
        id=offer.pk,
        name=offer.name,
        kind=OfferKind(offer.kind),
        params=dict(offer.params or {}),
        all_products=offer.all_products,
        product_ids=frozenset(p.pk for p in offer.products.all()),
        category_ids=frozenset(c.pk for c in offer.categories.all()),
        collection_ids=frozenset(c.pk for c in offer.collections.all()),
        channels=frozenset(str(c) for c in offer.channels or ()),
        store_ids=frozenset(s.pk for s in offer.stores.all()),
        tiers=frozenset(str(t) for t in offer.tiers or ()),
        segments=frozenset(str(s) for s in offer.segments or ()),
        requires_member=offer.requires_member,
        window=Window(
            starts_at=offer.starts_at,
            ends_at=offer.ends_at,
            weekdays=frozenset(int(d) for d in offer.weekdays or ()),
            daily_start=offer.daily_start,
            daily_end=offer.daily_end,
        ),
        stacking_group=offer.stacking_group,
        exclusive=offer.exclusive,
        priority=offer.priority,
        compound=offer.compound,
        max_discount=None if offer.max_discount is None else to_fen(offer.max_discount),
        coupon_only=offer.coupon_only,
    )
