"""Quotes: a basket priced by the server from catalog prices, the live offers and the presented
coupons. The till's quote endpoint, the till sale, the H5 product pages and (later) the H5 and
web carts all price through `quote` (or its batched twin for one unit of many products,
`product_unit_quotes`), so what a shopper is shown is what the sale commits.

A quote has no effects: it reads the catalog, the offer index, the member's tier and the
coupons; the only write is the coupon-guessing counter (`coupon_candidates` with a client key).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from omniloop.catalog.models import Product, Sku
from omniloop.catalog.selectors import price_for
from omniloop.core import clock, rows
from omniloop.core.errors import ValidationFailed
from omniloop.core.models import BrandSettings
from omniloop.members.models import Member
from omniloop.promotions.coupon_values import CouponProblem
from omniloop.promotions.coupons import coupon_candidates
from omniloop.promotions.engine import price_basket
from omniloop.promotions.money import to_fen
from omniloop.promotions.offer_index import OfferIndex, current_index
from omniloop.promotions.priced import Basket, PricedQuote
from omniloop.promotions.segments import member_segments
from omniloop.promotions.values import Candidate, LineIn, PricingContext
from omniloop.stores.models import Store

MAX_LINES = 200


def _line(sku: Sku, quantity: int, channel_code: str | None, index: OfferIndex) -> LineIn:
    """An engine line for a SKU whose product is loaded: the catalog's price, never the
    client's."""
    product = sku.product
    return LineIn(
        sku_id=sku.pk,
        product_id=product.pk,
        category_ids=index.categories.get(product.category_id, frozenset()),
        quantity=quantity,
        unit_price=to_fen(price_for(product=product, channel_code=channel_code)),
        collection_ids=index.collections.get(product.pk, frozenset()),
    )


def _basket(
    items: Sequence[tuple[str, int]], channel_code: str | None, index: OfferIndex
) -> Basket:
    if not items:
        raise ValidationFailed("A basket has at least one line.", code="basket_empty")
    if len(items) > MAX_LINES:
        raise ValidationFailed(f"At most {MAX_LINES} lines.", code="basket_too_large")
    for i, (_, quantity) in enumerate(items):
        if quantity <= 0:
            raise ValidationFailed(
                "Quantities are positive.", code="quantity_invalid", extra={"line": i}
            )
    refs = sorted({ref for ref, _ in items})
    s, p = rows.shape(Sku, "s"), rows.shape(Product, "p")
    # Every quote and sale resolves its lines here: a fixed statement per basket size.
    sql = (
        f"SELECT {s.columns}, {p.columns} FROM {rows.table(Sku, 's')}"  # noqa: S608
        f" JOIN {rows.table(Product, 'p')} ON p.id = s.product_id"
        f" WHERE s.sku_code IN ({rows.placeholders(len(refs))})"
        f" OR s.barcode IN ({rows.placeholders(len(refs))})"
    )
    skus: dict[str, Sku] = {}
    for sku, product in rows.fetch_joined(sql, [*refs, *refs], s, p):
        rows.attach(sku, "product", product)
        skus.setdefault(sku.barcode, sku)
        skus[sku.sku_code] = sku  # a SKU code wins over another SKU's equal barcode
    unknown = sorted(refs - skus.keys())
    if unknown:
        raise ValidationFailed(
            "Unknown SKU or barcode.", code="sku_unknown", extra={"unknown": unknown}
        )
    lines = [_line(skus[ref], quantity, channel_code, index) for ref, quantity in items]
    return Basket(tuple(lines), tuple(skus[ref].sku_code for ref, _ in items))


def basket_from_items(
    *, items: list[tuple[str, int]], channel_code: str | None = None
) -> list[LineIn]:
    """(SKU code or barcode, quantity) pairs -> engine lines priced from the catalog, never
    from the client. Unknown references: `sku_unknown` (422) listing them all."""
    return list(_basket(items, channel_code, current_index()).lines)


def _one(values: QuerySet[Any, str]) -> str | None:
    """The single value of a by-pk lookup, without the model's ordering (`first()` would add
    an ORDER BY that costs compile time on every quote)."""
    return next(iter(values.order_by()), None)


def local_zone(*, store_id: int | None) -> tzinfo:
    """The store's time zone; the brand's for online channels (no store)."""
    name = None
    if store_id is not None:
        name = _one(Store.objects.filter(pk=store_id).values_list("timezone", flat=True))
    if name is None:
        name = _one(BrandSettings.objects.filter(pk=1).values_list("timezone", flat=True))
    return zoneinfo.ZoneInfo(name or settings.TIME_ZONE)


def _segments(member_id: int | None, candidates: Iterable[Candidate]) -> frozenset[str]:
    """The member's segments among those the candidates name: read only when one names any
    (most baskets meet no segment-scoped offer, and then cost no query)."""
    wanted = frozenset().union(*(c.rule.segments for c in candidates))
    return member_segments(member_id=member_id, slugs=wanted) if wanted else frozenset()


def _tier(member_id: int | None, tier: str | None) -> str | None:
    """The member's tier: none without a member, read when the caller has not loaded it."""
    if member_id is None:
        return None
    if tier is None:
        return _one(Member.objects.filter(pk=member_id).values_list("tier", flat=True))
    return tier


def _automatic(
    index: OfferIndex, basket: Basket, channel_code: str, store_id: int | None
) -> list[Candidate]:
    return [
        Candidate(rule)
        for rule in index.rules_for(basket.lines, channel=channel_code, store_id=store_id)
    ]


def _gift_codes(gift_ids: Iterable[int]) -> dict[int, str]:
    ids = set(gift_ids)
    return dict(Sku.objects.filter(pk__in=ids).values_list("pk", "sku_code")) if ids else {}


def quote(
    *,
    items: list[tuple[str, int]],
    channel_code: str,
    store_id: int | None,
    member_id: int | None,
    coupon_codes: list[str],
    at: datetime | None = None,
    client_key: str | None = None,
    shipping: Decimal = Decimal("0"),
    tier: str | None = None,
    zone: tzinfo | None = None,
) -> PricedQuote:
    """Price a basket: catalog prices, the live automatic offers for this channel and store,
    the presented coupons (problems are reported, not raised), the member's tier, and windows
    in the store's local time. `at` defaults to now; `shipping` is the fee before offers;
    `tier` is the member's, when the caller has the member loaded (else it is read); `zone`
    the store's time zone, when the caller has the store loaded (else it is read)."""
    at = at or clock.now()
    index = current_index()
    basket = _basket(items, channel_code, index)
    candidates = _automatic(index, basket, channel_code, store_id)
    problems: list[CouponProblem] = []
    if coupon_codes:
        presented, problems = coupon_candidates(
            codes=coupon_codes, member_id=member_id, at=at, client_key=client_key, index=index
        )
        # An offer applies once: presented for an offer that also runs automatically, the
        # code's candidate stands in for the automatic one (and is the one redeemed).
        by_code = {c.rule.id for c in presented}
        candidates = [c for c in candidates if c.rule.id not in by_code] + presented
    ctx = PricingContext(
        channel=channel_code,
        store_id=store_id,
        member_id=member_id,
        tier=_tier(member_id, tier),
        local_now=at.astimezone(zone or local_zone(store_id=store_id)),
        shipping=to_fen(shipping),
        segments=_segments(member_id, candidates),
    )
    result = price_basket(basket.lines, candidates, ctx)
    return PricedQuote(
        quote=result,
        basket=basket,
        candidates=tuple(candidates),
        coupon_problems=tuple(problems),
        gift_sku_codes=_gift_codes(g.sku_id for g in result.gifts),
        channel=channel_code,
        store_id=store_id,
        member_id=member_id,
        at=at,
    )


def _first_active_skus(product_ids: Iterable[int]) -> dict[int, Sku]:
    """Each product's first active SKU by SKU code, with its product: one query."""
    found: dict[int, Sku] = {}
    skus = Sku.objects.filter(product_id__in=set(product_ids), active=True).select_related(
        "product"
    )
    for sku in skus.order_by("sku_code"):
        found.setdefault(sku.product_id, sku)
    return found


def product_unit_quotes(
    *,
    product_ids: Sequence[int],
    channel_code: str,
    member_id: int | None,
    tier: str | None = None,
    at: datetime | None = None,
) -> dict[int, PricedQuote]:
    """One unit of each product's first active SKU (by SKU code), online (no store, no coupon,
    no shipping): for every product exactly what `quote(items=[(sku_code, 1)], ...)` answers,
    since both build the same line, the same candidates and the same context. Priced in one
    pass for a page of products: one SKU query, one index, one tier and zone read, one engine
    run per product. A product with no active SKU is left out (it cannot be quoted)."""
    if not product_ids:
        return {}
    at = at or clock.now()
    index = current_index()
    skus = _first_active_skus(product_ids)
    if not skus:
        return {}
    baskets = {
        product_id: Basket((_line(sku, 1, channel_code, index),), (sku.sku_code,))
        for product_id, sku in skus.items()
    }
    each = {p: _automatic(index, b, channel_code, None) for p, b in baskets.items()}
    ctx = PricingContext(
        channel=channel_code,
        store_id=None,
        member_id=member_id,
        tier=_tier(member_id, tier),
        local_now=at.astimezone(local_zone(store_id=None)),
        segments=_segments(member_id, [c for cs in each.values() for c in cs]),
    )
    gift_codes: dict[int, str] = {}  # shared by the quotes, filled once all have run
    out: dict[int, PricedQuote] = {}
    for product_id, basket in baskets.items():
        candidates = each[product_id]
        out[product_id] = PricedQuote(
            quote=price_basket(basket.lines, candidates, ctx),
            basket=basket,
            candidates=tuple(candidates),
            coupon_problems=(),
            gift_sku_codes=gift_codes,
            channel=channel_code,
            store_id=None,
            member_id=member_id,
            at=at,
        )
    gift_codes.update(_gift_codes(g.sku_id for p in out.values() for g in p.quote.gifts))
    return out
