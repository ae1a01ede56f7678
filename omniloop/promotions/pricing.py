"""Quotes: a basket priced by the server from catalog prices, the live offers and the presented
coupons. The till's quote endpoint, the till sale, and (later) the H5 and web carts all price
through `quote`, so what a shopper is shown is what the sale commits.

A quote has no effects: it reads the catalog, the offer index, the member's tier and the
coupons; the only write is the coupon-guessing counter (`coupon_candidates` with a client key).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from functools import cached_property
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
from omniloop.promotions.money import to_fen, to_yuan
from omniloop.promotions.offer_index import OfferIndex, current_index
from omniloop.promotions.values import (
    Adjustment,
    Candidate,
    LineIn,
    PricingContext,
    Quote,
    Rejection,
)
from omniloop.stores.models import Store

MAX_LINES = 200


@dataclass(frozen=True)
class Basket:
    """Resolved basket lines, with the SKU code of every line (as the catalog spells it)."""

    lines: tuple[LineIn, ...]
    sku_codes: tuple[str, ...]


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
    lines = []
    for ref, quantity in items:
        sku = skus[ref]
        product = sku.product
        lines.append(
            LineIn(
                sku_id=sku.pk,
                product_id=product.pk,
                category_ids=index.categories.get(product.category_id, frozenset()),
                quantity=quantity,
                unit_price=to_fen(price_for(product=product, channel_code=channel_code)),
                collection_ids=index.collections.get(product.pk, frozenset()),
            )
        )
    return Basket(tuple(lines), tuple(skus[ref].sku_code for ref, _ in items))


def basket_from_items(
    *, items: list[tuple[str, int]], channel_code: str | None = None
) -> list[LineIn]:
    """(SKU code or barcode, quantity) pairs -> engine lines priced from the catalog, never
    from the client. Unknown references: `sku_unknown` (422) listing them all."""
    return list(_basket(items, channel_code, current_index()).lines)


@dataclass(frozen=True)
class PricedQuote:
    """The engine's quote with what it was priced from, and yuan renderings for interfaces."""

    quote: Quote
    basket: Basket
    candidates: tuple[Candidate, ...]
    coupon_problems: tuple[CouponProblem, ...]
    gift_sku_codes: dict[int, str]
    channel: str
    store_id: int | None
    member_id: int | None
    at: datetime

    @staticmethod
    def yuan(fen: int) -> Decimal:
        return to_yuan(fen)

    @property
    def total(self) -> Decimal:
        return to_yuan(self.quote.total)

    @property
    def discount_total(self) -> Decimal:
        return to_yuan(self.quote.discount + self.quote.shipping_discount)

    @cached_property
    def _by_key(self) -> dict[tuple[int, int | None], Candidate]:
        out: dict[tuple[int, int | None], Candidate] = {}
        for c in self.candidates:
            out.setdefault((c.rule.id, c.coupon_id), c)
        return out

    def _candidate(self, offer_id: int, coupon_id: int | None) -> Candidate | None:
        return self._by_key.get((offer_id, coupon_id))

    def coupon_code(self, item: Adjustment | Rejection) -> str | None:
        """The presented code behind an applied or rejected offer (None for automatic ones)."""
        c = self._candidate(item.offer_id, item.coupon_id)
        return c.code if c else None

    def offer_name(self, item: Adjustment | Rejection) -> str:
        c = self._candidate(item.offer_id, item.coupon_id)
        return c.rule.name if c else ""

    @property
    def coupons_used(self) -> list[tuple[Candidate, int]]:
        """Presented coupons that applied, with the discount (fen) each gave: what
        `coupons_redeem` records."""
        used = []
        for a in self.quote.applied:
            c = self._candidate(a.offer_id, a.coupon_id)
            if c is not None and c.code is not None:
                used.append((c, a.amount + a.shipping))
        return used

    @property
    def coupons_not_applied(self) -> list[tuple[str, str]]:
        """(code, engine reason) for presented, valid coupons that the engine did not apply."""
        out = []
        for r in self.quote.rejected:
            c = self._candidate(r.offer_id, r.coupon_id)
            if c is not None and c.code is not None:
                out.append((c.code, r.reason.value))
        return out


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
    if member_id is None:
        tier = None
    elif tier is None:
        tier = _one(Member.objects.filter(pk=member_id).values_list("tier", flat=True))
    candidates = [
        Candidate(rule)
        for rule in index.rules_for(basket.lines, channel=channel_code, store_id=store_id)
    ]
    problems: list[CouponProblem] = []
    if coupon_codes:
        presented, problems = coupon_candidates(
            codes=coupon_codes, member_id=member_id, at=at, client_key=client_key
        )
        # An offer applies once: presented for an offer that also runs automatically, the
        # code's candidate stands in for the automatic one (and is the one redeemed).
        by_code = {c.rule.id for c in presented}
        candidates = [c for c in candidates if c.rule.id not in by_code] + presented
    ctx = PricingContext(
        channel=channel_code,
        store_id=store_id,
        member_id=member_id,
        tier=tier,
        local_now=at.astimezone(zone or local_zone(store_id=store_id)),
        shipping=to_fen(shipping),
    )
    result = price_basket(basket.lines, candidates, ctx)
    gift_ids = {g.sku_id for g in result.gifts}
    gift_codes = (
        dict(Sku.objects.filter(pk__in=gift_ids).values_list("pk", "sku_code")) if gift_ids else {}
    )
    return PricedQuote(
        quote=result,
        basket=basket,
        candidates=tuple(candidates),
        coupon_problems=tuple(problems),
        gift_sku_codes=gift_codes,
        channel=channel_code,
        store_id=store_id,
        member_id=member_id,
        at=at,
    )
