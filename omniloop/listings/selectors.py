"""The product consistency check (R2): for every product on sale x every active channel it is
sold on, what the channel shows against the catalog and the pricing engine (ADR 10)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch

from omniloop.catalog.models import ChannelAvailability, Product, Sku
from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.listings.compare import Observed, compare, missing_row, stale_row
from omniloop.listings.expected import EnginePrices
from omniloop.listings.models import ChannelListing, ListingSource
from omniloop.listings.surfaces import Surface, surface_for
from omniloop.listings.text import description_hash
from omniloop.listings.values import SEVERITY_ORDER, DriftField, DriftReport, DriftRow
from omniloop.stores.models import SalesChannel

_FIELD_ORDER = {f: i for i, f in enumerate(DriftField)}


def _channels(channel_code: str | None) -> list[SalesChannel]:
    qs = SalesChannel.objects.filter(active=True).order_by("code")
    if channel_code is not None:
        qs = qs.filter(code=channel_code)
    channels = list(qs)
    if channel_code is not None and not channels:
        raise NotFound(f"No active sales channel {channel_code!r}.", code="channel_not_found")
    return channels


def _products() -> list[Product]:
    active_skus = Sku.objects.filter(active=True).order_by("sku_code").only("sku_code", "product")
    return list(
        Product.objects.filter(status=Product.Status.ACTIVE)
        .prefetch_related(Prefetch("skus", queryset=active_skus, to_attr="active_skus"))
        .order_by("style_code")
    )


def _listings(channels: list[SalesChannel]) -> dict[tuple[int, int], list[ChannelListing]]:
    out: defaultdict[tuple[int, int], list[ChannelListing]] = defaultdict(list)
    rows = (
        ChannelListing.objects.filter(channel__in=channels, product__status=Product.Status.ACTIVE)
        .select_related("sku")
        .order_by("external_id")
    )
    for row in rows:
        out[(row.channel_id, row.product_id)].append(row)
    return out


def _observed(row: ChannelListing) -> Observed:
    return Observed(
        title=row.title,
        price=row.price,
        description=row.description,
        description_hash=row.description_hash or None,
        source=row.source,
        observed_at=row.observed_at,
        sku_code=row.sku.sku_code if row.sku else None,
        external_id=row.external_id,
        url=row.url,
    )


class _Check:
    def __init__(self, *, at: datetime, stale_days: int) -> None:
        self.at = at
        self.stale_days = stale_days
        self.prices = EnginePrices(at=at)

    def price(
        self, product: Product, channel: SalesChannel, sku_code: str | None
    ) -> Decimal | None:
        """The engine's unit price; a product with no active SKU cannot be quoted (None)."""
        skus: list[Sku] = product.active_skus  # type: ignore[attr-defined]
        code = sku_code or (skus[0].sku_code if skus else None)
        if code is None:
            return None
        return self.prices.unit_price(sku_code=code, channel_code=channel.code)

    def surface(self, product: Product, channel: SalesChannel, surface: Surface) -> list[DriftRow]:
        expected = self.price(product, channel, None)
        shown = surface(product, channel, expected if expected is not None else product.list_price)
        seen = Observed(
            title=shown.title,
            price=shown.price,
            description=shown.description or "",
            description_hash=(
                None if shown.description is None else description_hash(shown.description)
            ),
            source=ListingSource.INTERNAL.value,
            observed_at=self.at,
        )
        return compare(product, channel, seen, expected_price=expected)

    def listings(
        self, product: Product, channel: SalesChannel, listings: list[ChannelListing]
    ) -> list[DriftRow]:
        if not listings:
            return [missing_row(product, channel)]
        rows = []
        for listing in listings:
            seen = _observed(listing)
            age = self.at - listing.observed_at
            if age > timedelta(days=self.stale_days):
                rows.append(
                    stale_row(product, channel, seen, age_days=age.days, stale_days=self.stale_days)
                )
            expected = self.price(product, channel, seen.sku_code)
            rows.extend(compare(product, channel, seen, expected_price=expected))
        return rows


def _sort_key(row: DriftRow) -> tuple[int, str, str, int, str]:
    return (
        SEVERITY_ORDER[row.severity],
        row.channel_code,
        row.style_code,
        _FIELD_ORDER[row.field],
        row.external_id or "",
    )


def listing_drift(
    *,
    channel_code: str | None = None,
    field: DriftField | None = None,
    at: datetime | None = None,
) -> DriftReport:
    """Every disagreement between what a channel shows and the one truth, worst first.

    Checked: active products x active channels they are sold on (no availability row means
    sold). Our own channels are read live from their surfaces; the others from their observed
    listings, each compared on price (the engine's unit price, to the fen), title, description
    (when observed) and age (`OMNILOOP_LISTING_STALE_DAYS`). Reads only."""
    at = at or clock.now()
    channels = _channels(channel_code)
    products = _products()
    off = set(
        ChannelAvailability.objects.filter(channel__in=channels, available=False).values_list(
            "channel_id", "product_id"
        )
    )
    listings = _listings(channels)
    check = _Check(at=at, stale_days=settings.OMNILOOP_LISTING_STALE_DAYS)
    rows: list[DriftRow] = []
    checked = 0
    for channel in channels:
        surface = surface_for(channel.kind)
        for product in products:
            if (channel.pk, product.pk) in off:
                continue
            checked += 1
            if surface is not None:
                rows.extend(check.surface(product, channel, surface))
            else:
                held = listings.get((channel.pk, product.pk), [])
                rows.extend(check.listings(product, channel, held))
    if field is not None:
        rows = [r for r in rows if r.field == field]
    rows.sort(key=_sort_key)
    return DriftReport(
        generated_at=at, stale_days=check.stale_days, checked=checked, rows=tuple(rows)
    )
