"""Channel listings for HQ integrations (/api/v1/listings): push what marketplaces show for our
products, read the consistency report. Integration tokens of HQ admins and marketers."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import ErrorOut, Money, Row, Strict
from omniloop.listings.selectors import listing_drift
from omniloop.listings.services import listings_upsert
from omniloop.listings.values import DriftField, ListingInput

router = Router(tags=["listings"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class ListingIn(Strict):
    external_id: str = Field(..., min_length=1, max_length=100, description="The channel's id")
    style_code: str = Field(..., min_length=1, max_length=32)
    sku: str | None = Field(None, min_length=1, max_length=48, description="When one SKU")
    title: str = Field(..., min_length=1, max_length=200)
    price: Money = Field(..., description="For one unit, as shown")
    description: str | None = Field(None, max_length=20000)
    description_hash: str | None = Field(
        None, description="SHA-256 hex of the NFKC, whitespace-collapsed description"
    )
    url: str = Field("", max_length=500)
    observed_at: datetime = Field(..., description="ISO 8601 with an offset")


class ListingsIn(Strict):
    channel: str = Field(..., min_length=1, max_length=32, description="A sales channel code")
    source: Literal["api", "crawl"] = "api"
    listings: list[ListingIn] = Field(..., min_length=1, max_length=500)


class UpsertOut(Schema):
    created: int
    updated: int
    unchanged: int
    ignored_older: int = Field(..., description="Older than the observation already held")


class DriftRowOut(Row):
    """One disagreement; for prices `difference` is shown - expected and `list_price` the
    catalog's, for stale listings `expected`/`shown` are the allowed and actual age in days."""

    style_code: str
    product_name: str
    channel_code: str
    channel_name: str
    field: DriftField
    expected: str
    shown: str
    difference: Decimal | None
    severity: str
    source: str = Field(..., description="api, csv, crawl, or internal (our own page)")
    sku_code: str | None
    external_id: str | None
    url: str
    observed_at: datetime | None
    list_price: Decimal | None


class DriftOut(Schema):
    generated_at: datetime
    stale_days: int
    checked: int = Field(..., description="Product x channel pairs compared")
    by_field: dict[str, int]
    by_severity: dict[str, int]
    rows: list[DriftRowOut]


@router.post(
    "/listings",
    auth=TokenAuth(scope="listings.write"),
    response={200: UpsertOut, **ERRORS},
    summary="Record observed listings of one channel (all or none; idempotent by external id)",
)
def upsert(request: HttpRequest, body: ListingsIn) -> UpsertOut:
    result = listings_upsert(
        channel_code=body.channel,
        source=body.source,
        items=[ListingInput(**item.model_dump()) for item in body.listings],
    )
    return UpsertOut(**vars(result))


@router.get(
    "/listings/drift",
    auth=TokenAuth(scope="listings.read"),
    response={200: DriftOut, **ERRORS},
    summary="Where channels disagree with the catalog and the pricing engine",
)
def drift(
    request: HttpRequest, channel: str | None = None, field: DriftField | None = None
) -> DriftOut:
    report = listing_drift(channel_code=channel, field=field)
    return DriftOut(
        generated_at=report.generated_at,
        stale_days=report.stale_days,
        checked=report.checked,
        by_field=report.counts_by_field(),
        by_severity=report.counts_by_severity(),
        rows=[DriftRowOut.model_validate(r, from_attributes=True) for r in report.rows],
    )
