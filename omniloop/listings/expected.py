"""The one truth a listing is compared with: the catalog's title and description, and the price
the pricing engine quotes for one unit, no member, no coupon, in that channel (ADR 10)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from omniloop.catalog.models import Product
from omniloop.listings.text import description_hash, normalise
from omniloop.promotions.pricing import quote


class EnginePrices:
    """Unit prices from `promotions.pricing.quote`, asked once per (SKU, channel) in a check.
    Online channels have no store; store-scoped offers are not part of a channel's price."""

    def __init__(self, *, at: datetime) -> None:
        self.at = at
        self._memo: dict[tuple[str, str], Decimal] = {}

    def unit_price(self, *, sku_code: str, channel_code: str) -> Decimal:
        key = (sku_code, channel_code)
        if key not in self._memo:
            priced = quote(
                items=[(sku_code, 1)],
                channel_code=channel_code,
                store_id=None,
                member_id=None,
                coupon_codes=[],
                at=self.at,
            )
            self._memo[key] = priced.total
        return self._memo[key]


def title_matches(product: Product, shown: str) -> bool:
    """The catalog name in either language, compared as `text.normalise` says."""
    expected = {normalise(product.name)}
    if product.name_en:
        expected.add(normalise(product.name_en))
    return normalise(shown) in expected


def description_matches(product: Product, shown_hash: str) -> bool:
    """The catalog description in either language (an empty one only matches an empty one)."""
    expected = {description_hash(product.description)}
    if product.description_en:
        expected.add(description_hash(product.description_en))
    return shown_hash in expected
