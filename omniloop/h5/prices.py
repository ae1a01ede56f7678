"""The price the H5 pages (the WeChat mall) print for a product: what the pricing engine charges
for one unit in that channel (到手价), the list price it started from, and the offers that made
the difference (R2, ADR 10).

`h5_prices` is the one function behind every printed price: the product page, the product tiles
and "complete the look", and `h5_shown`, the consistency check's view of the WeChat mall. The
check asks it with no member, so for an anonymous shopper the page and the check cannot
disagree; an identified member's pages are priced for that member's tier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from omniloop.catalog.models import Product
from omniloop.catalog.selectors import price_for
from omniloop.listings.values import Shown
from omniloop.members.models import Member
from omniloop.promotions.pricing import product_unit_quotes
from omniloop.stores.models import SalesChannel

# The WeChat mall's channel code when the brand has not set up a channel of that kind (offers
# scoped to channels then reach the H5 only if they name this code).
DEFAULT_CHANNEL_CODE = "wechat-mall"


@dataclass(frozen=True)
class H5Price:
    list_price: Decimal
    price: Decimal  # 到手价: what one unit costs in the channel, offers taken off
    offers: tuple[str, ...] = ()  # names of the offers that took something off, in order

    @property
    def discounted(self) -> bool:
        return self.price != self.list_price


def h5_channel_code() -> str:
    """The channel the H5 pages sell in: the first active WeChat mall channel by code."""
    code = (
        SalesChannel.objects.filter(kind=SalesChannel.Kind.WECHAT_MALL, active=True)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return code or DEFAULT_CHANNEL_CODE


def h5_prices(
    *, products: Sequence[Product], member: Member | None, channel_code: str | None = None
) -> dict[int, H5Price]:
    """Product id -> its H5 price for `member` (None: an anonymous shopper), in one pass over
    the engine. A product without an active SKU cannot be quoted and shows its list price."""
    if not products:
        return {}
    channel = channel_code or h5_channel_code()
    quotes = product_unit_quotes(
        product_ids=[p.pk for p in products],
        channel_code=channel,
        member_id=member.pk if member else None,
        tier=member.tier if member else None,
    )
    out = {}
    for product in products:
        priced = quotes.get(product.pk)
        if priced is None:
            listed = price_for(product=product, channel_code=channel)
            out[product.pk] = H5Price(list_price=listed, price=listed)
            continue
        (line,) = priced.quote.lines
        out[product.pk] = H5Price(
            list_price=priced.yuan(line.unit_price),
            price=priced.total,
            offers=tuple(a.name for a in priced.quote.applied if a.amount),
        )
    return out


def h5_shown(product: Product, channel: SalesChannel, engine_price: Decimal) -> Shown:
    """What the H5 product page shows an anonymous shopper in the brand's language (the
    consistency check's view of the WeChat mall): the name, the description and the price
    `h5_prices` prints."""
    shown = h5_prices(products=[product], member=None, channel_code=channel.code)[product.pk]
    return Shown(title=product.name, description=product.description, price=shown.price)
