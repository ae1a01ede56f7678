"""One listing (observed, or read from one of our surfaces) against the one truth -> the rows
where they disagree. Prices must match to the fen; text as `text.normalise` compares it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from omniloop.catalog.models import Product
from omniloop.listings.expected import description_matches, title_matches
from omniloop.listings.text import normalise
from omniloop.listings.values import SEVERITY, DriftField, DriftRow
from omniloop.stores.models import SalesChannel


@dataclass(frozen=True)
class Observed:
    """What a channel shows, however it was learnt. A title or description hash of None was
    not observed and is not compared."""

    title: str | None
    price: Decimal
    description: str
    description_hash: str | None
    source: str
    observed_at: datetime | None
    sku_code: str | None = None
    external_id: str | None = None
    url: str = ""


def _row(
    product: Product,
    channel: SalesChannel,
    field: DriftField,
    expected: str,
    shown: str,
    seen: Observed | None,
    difference: Decimal | None = None,
    list_price: Decimal | None = None,
) -> DriftRow:
    return DriftRow(
        style_code=product.style_code,
        product_name=product.name,
        channel_code=channel.code,
        channel_name=channel.name,
        field=field,
        expected=expected,
        shown=shown,
        difference=difference,
        severity=SEVERITY[field],
        source=seen.source if seen else "",
        sku_code=seen.sku_code if seen else None,
        external_id=seen.external_id if seen else None,
        url=seen.url if seen else "",
        observed_at=seen.observed_at if seen else None,
        list_price=list_price,
    )


def missing_row(product: Product, channel: SalesChannel) -> DriftRow:
    """The product is sold on the channel, but no listing for it was ever observed."""
    return _row(product, channel, DriftField.MISSING, product.name, "", None)


def stale_row(
    product: Product, channel: SalesChannel, seen: Observed, *, age_days: int, stale_days: int
) -> DriftRow:
    """`expected` is the longest age allowed and `shown` the listing's age, in whole days."""
    return _row(
        product,
        channel,
        DriftField.STALE,
        str(stale_days),
        str(age_days),
        seen,
        difference=Decimal(age_days - stale_days),
    )


def compare(
    product: Product, channel: SalesChannel, seen: Observed, *, expected_price: Decimal | None
) -> list[DriftRow]:
    """Price to the fen against the engine's; title and description against the catalog's
    (in either language). A description not observed is not compared."""
    rows = []
    if expected_price is not None and seen.price != expected_price:
        rows.append(
            _row(
                product,
                channel,
                DriftField.PRICE,
                f"{expected_price:.2f}",
                f"{seen.price:.2f}",
                seen,
                difference=seen.price - expected_price,
                list_price=product.list_price,
            )
        )
    if seen.title is not None and not title_matches(product, seen.title):
        rows.append(_row(product, channel, DriftField.TITLE, product.name, seen.title, seen))
    sent_hash = seen.description_hash
    if sent_hash is not None and not description_matches(product, sent_hash):
        shown = normalise(seen.description) if seen.description else f"sha256:{sent_hash}"
        expected = normalise(product.description)
        rows.append(_row(product, channel, DriftField.DESCRIPTION, expected, shown, seen))
    return rows
