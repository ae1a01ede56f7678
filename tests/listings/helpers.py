"""Factories for the consistency check: channels, observed listings, the count of rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from omniloop.catalog.models import Product
from omniloop.core import clock
from omniloop.listings.models import ChannelListing
from omniloop.listings.services import listings_upsert
from omniloop.listings.values import ListingInput
from omniloop.stores.models import SalesChannel


def make_channel(code: str, kind: str = SalesChannel.Kind.MARKETPLACE, **kw: Any) -> SalesChannel:
    return SalesChannel.objects.create(
        code=code, name=kw.pop("name", code), name_en=kw.pop("name_en", code), kind=kind, **kw
    )


def listing(product: Product, **kw: Any) -> ListingInput:
    """An observed listing of `product` an hour ago, at its catalog name and list price unless
    told otherwise."""
    fields: dict[str, Any] = {
        "external_id": f"ext-{product.style_code}",
        "style_code": product.style_code,
        "title": product.name,
        "price": product.list_price,
        "observed_at": clock.now() - timedelta(hours=1),
    }
    fields.update(kw)
    if isinstance(fields["price"], str):
        fields["price"] = Decimal(fields["price"])
    return ListingInput(**fields)


def observe(channel: str, *items: ListingInput, source: str = "api") -> None:
    listings_upsert(channel_code=channel, items=list(items), source=source)


def days_ago(days: float) -> datetime:
    return clock.now() - timedelta(days=days)


def stored() -> list[tuple[str, str, Decimal]]:
    return list(
        ChannelListing.objects.order_by("external_id").values_list("external_id", "title", "price")
    )
