"""Recording observed listings: a bulk upsert keyed by (channel, external id)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.db import transaction

from omniloop.core import clock
from omniloop.listings.models import ChannelListing
from omniloop.listings.validation import ResolvedListing, listings_channel, listings_validate
from omniloop.listings.values import ListingInput, UpsertResult
from omniloop.stores.models import SalesChannel

log = logging.getLogger("omniloop.listings")
_FIELDS = (
    "product_id",
    "sku_id",
    "title",
    "price",
    "description",
    "description_hash",
    "url",
    "observed_at",
    "source",
)


def _values(r: ResolvedListing, source: str) -> dict[str, object]:
    return {
        "product_id": r.product_id,
        "sku_id": r.sku_id,
        "title": r.title,
        "price": r.item.price,
        "description": r.description,
        "description_hash": r.description_hash,
        "url": r.item.url,
        "observed_at": r.item.observed_at,
        "source": source,
    }


def _write(channel: SalesChannel, resolved: Sequence[ResolvedListing], source: str) -> UpsertResult:
    with transaction.atomic():
        # One lock per channel: batches for the same channel queue, so a listing is created
        # once and the newest observation stands. FOR NO KEY UPDATE, so orders and other rows
        # that point at the channel are not held up.
        locked = SalesChannel.objects.select_for_update(no_key=True).filter(pk=channel.pk)
        list(locked.values_list("pk", flat=True))
        ids = [r.item.external_id for r in resolved]
        existing = {
            row.external_id: row
            for row in ChannelListing.objects.filter(channel=channel, external_id__in=ids)
        }
        created, changed = [], []
        unchanged = ignored = 0
        for r in resolved:
            values = _values(r, source)
            row = existing.get(r.item.external_id)
            if row is None:
                created.append(
                    ChannelListing(channel=channel, external_id=r.item.external_id, **values)
                )
            elif row.observed_at > r.item.observed_at:
                ignored += 1  # delivered out of order: the newer observation stands
            elif all(getattr(row, f) == v for f, v in values.items()):
                unchanged += 1
            else:
                for f, v in values.items():
                    setattr(row, f, v)
                changed.append(row)
        ChannelListing.objects.bulk_create(created)
        if changed:
            now = clock.now()  # bulk_update does not apply auto_now
            for row in changed:
                row.updated_at = now
            ChannelListing.objects.bulk_update(changed, [*_FIELDS, "updated_at"])
    return UpsertResult(
        created=len(created), updated=len(changed), unchanged=unchanged, ignored_older=ignored
    )


def listings_upsert(
    *, channel_code: str, items: Sequence[ListingInput], source: str
) -> UpsertResult:
    """Record observed listings for one channel, all or none: any invalid listing refuses the
    batch with every problem (`listings_invalid`) and writes nothing. Idempotent: re-sending a
    batch changes nothing; an observation older than the stored one is ignored."""
    channel = listings_channel(channel_code=channel_code)
    resolved = listings_validate(items=items, source=source)
    return listings_write(channel=channel, resolved=resolved, source=source)


def listings_write(
    *, channel: SalesChannel, resolved: Sequence[ResolvedListing], source: str
) -> UpsertResult:
    """Write a batch `listings_validate` accepted, in one transaction, upserting by
    (channel, external id); concurrent batches for one channel take turns."""
    result = _write(channel, resolved, source)
    log.info(
        "listings %s via %s: %s created, %s updated, %s unchanged, %s older ignored",
        channel.code,
        source,
        result.created,
        result.updated,
        result.unchanged,
        result.ignored_older,
    )
    return result
