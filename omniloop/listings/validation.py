"""Every check an observed listing must pass before anything is written, for the API and the
CSV import alike. All problems of a batch are reported at once, each with its index and a
stable code, so a caller can fix the whole batch in one go."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone

from omniloop.catalog.models import Product, Sku
from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.listings.models import ListingSource
from omniloop.listings.surfaces import internal_kinds
from omniloop.listings.text import description_hash, normalise
from omniloop.listings.values import ListingInput, ListingProblem
from omniloop.stores.models import SalesChannel

MAX_LISTINGS = 500
MAX_PRICE = Decimal("99999999.99")
CENT = Decimal("0.01")
CLOCK_SKEW = timedelta(minutes=5)  # an integration's clock may run a little ahead of ours
STORED_SOURCES = frozenset({ListingSource.API, ListingSource.CSV, ListingSource.CRAWL})
_EXTERNAL_ID = re.compile(r"^[\x21-\x7e](?:[\x20-\x7e]{0,98}[\x21-\x7e])?$")
_HASH = re.compile(r"^[0-9a-f]{64}$")
_url = URLValidator(schemes=["http", "https"])


@dataclass(frozen=True)
class ResolvedListing:
    item: ListingInput
    product_id: int
    sku_id: int | None
    title: str
    description: str
    description_hash: str


def listings_channel(*, channel_code: str) -> SalesChannel:
    """The channel observed listings may be recorded for: known, active, and not one of ours
    (those are checked live from their own pages)."""
    channel = SalesChannel.objects.filter(code=channel_code).first()
    if channel is None or not channel.active:
        raise ValidationFailed(f"No active sales channel {channel_code!r}.", code="channel_unknown")
    if channel.kind in internal_kinds():
        raise ValidationFailed(
            "This channel is one of ours; its listings are read from its own pages.",
            code="channel_internal",
        )
    return channel


def _problem(index: int, code: str, field: str, message: str) -> ListingProblem:
    return ListingProblem(index=index, code=code, field=field, message=message)


def _scalar_problems(index: int, item: ListingInput) -> list[ListingProblem]:
    out = []
    if not _EXTERNAL_ID.match(item.external_id):
        out.append(
            _problem(index, "external_id_invalid", "external_id", "1-100 printable characters.")
        )
    if not normalise(item.title) or len(item.title.strip()) > 200:
        out.append(_problem(index, "title_invalid", "title", "A title of 1-200 characters."))
    price = item.price
    if not price.is_finite() or price < 0 or price > MAX_PRICE or price != price.quantize(CENT):
        out.append(
            _problem(index, "price_invalid", "price", "A non-negative amount, at most 2 decimals.")
        )
    if timezone.is_naive(item.observed_at):
        out.append(
            _problem(index, "observed_at_naive", "observed_at", "Give the time with its offset.")
        )
    elif item.observed_at > clock.now() + CLOCK_SKEW:
        out.append(
            _problem(index, "observed_at_future", "observed_at", "The time is in the future.")
        )
    out.extend(_description_problems(index, item))
    if item.url:
        try:
            _url(item.url)
        except ValidationError:
            out.append(_problem(index, "url_invalid", "url", "An http(s) URL."))
        if len(item.url) > 500:
            out.append(_problem(index, "url_invalid", "url", "At most 500 characters."))
    return out


def _description_problems(index: int, item: ListingInput) -> list[ListingProblem]:
    sent = item.description_hash
    if sent is None:
        return []
    if not _HASH.match(sent):
        return [
            _problem(
                index, "description_hash_invalid", "description_hash", "64 lowercase hex digits."
            )
        ]
    if item.description is not None and description_hash(item.description) != sent:
        return [
            _problem(
                index,
                "description_hash_mismatch",
                "description_hash",
                "The hash is not the description's.",
            )
        ]
    return []


def listings_validate(
    *, items: Sequence[ListingInput], source: str, max_items: int = MAX_LISTINGS
) -> list[ResolvedListing]:
    """Check a batch and resolve its products and SKUs. Raises `listings_invalid` (422) with
    every problem, or a batch-level code (`listings_empty`, `listings_too_many`,
    `source_invalid`)."""
    if source not in STORED_SOURCES:
        raise ValidationFailed(f"Unknown source {source!r}.", code="source_invalid")
    if not items:
        raise ValidationFailed("Send at least one listing.", code="listings_empty")
    if len(items) > max_items:
        raise ValidationFailed(f"At most {max_items} listings per batch.", code="listings_too_many")
    products = dict(
        Product.objects.filter(style_code__in={i.style_code for i in items}).values_list(
            "style_code", "pk"
        )
    )
    skus = {
        code: (pk, product_id)
        for code, pk, product_id in Sku.objects.filter(
            sku_code__in={i.sku for i in items if i.sku}
        ).values_list("sku_code", "pk", "product_id")
    }
    problems: list[ListingProblem] = []
    resolved: list[ResolvedListing] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        found = _scalar_problems(index, item)
        if item.external_id in seen:
            found.append(
                _problem(index, "external_id_duplicate", "external_id", "Sent twice in one batch.")
            )
        seen.add(item.external_id)
        product_id = products.get(item.style_code)
        if product_id is None:
            found.append(_problem(index, "product_unknown", "style_code", "No such style code."))
        sku_id = None
        if item.sku:
            sku = skus.get(item.sku)
            if sku is None:
                found.append(_problem(index, "sku_unknown", "sku", "No such SKU code."))
            elif product_id is not None and sku[1] != product_id:
                found.append(
                    _problem(index, "sku_product_mismatch", "sku", "The SKU is another style's.")
                )
            else:
                sku_id = sku[0]
        if found:
            problems.extend(found)
            continue
        assert product_id is not None
        description = item.description or ""
        resolved.append(
            ResolvedListing(
                item=item,
                product_id=product_id,
                sku_id=sku_id,
                title=item.title.strip(),
                description=description,
                description_hash=(
                    description_hash(description)
                    if item.description is not None
                    else item.description_hash or ""
                ),
            )
        )
    if problems:
        raise ValidationFailed(
            "Some listings are not valid; nothing was written.",
            code="listings_invalid",
            extra={"problems": [asdict(p) for p in problems]},
        )
    return resolved
