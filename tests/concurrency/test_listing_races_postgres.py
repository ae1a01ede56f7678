"""Listing upserts under real concurrency on PostgreSQL: batches for the same channel,
released at once, take turns on the channel's lock, so each listing is created once, no batch
fails or deadlocks, and the newest observation stands whatever the order of commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniloop.core import clock
from omniloop.listings.models import ChannelListing
from omniloop.listings.services import listings_upsert
from omniloop.listings.values import ListingInput, UpsertResult
from tests.concurrency.helpers import run_at_once
from tests.factories import make_product
from tests.listings.helpers import listing, make_channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(n: int, batch: Callable[[int], list[ListingInput]]) -> list[UpsertResult]:
    """n batches for Tmall released at once; every one must succeed."""
    results = run_at_once(
        n, lambda i: listings_upsert(channel_code="tmall", items=batch(i), source="api")
    )
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors
    return results


def test_twenty_batches_of_the_same_new_listings_make_one_row_each():
    make_channel("tmall")
    products = [make_product(f"JK{i}") for i in range(5)]
    base = clock.now() - timedelta(hours=1)

    def batch(i: int) -> list[ListingInput]:
        return [
            listing(p, price=Decimal(100 + i), observed_at=base + timedelta(seconds=i))
            for p in products
        ]

    results = _race(20, batch)
    assert sum(r.created for r in results) == 5
    assert ChannelListing.objects.count() == 5
    # Whatever order they committed in, the latest observation (i = 19) is what is held.
    assert set(ChannelListing.objects.values_list("price", flat=True)) == {Decimal("119.00")}


def test_overlapping_batches_in_any_order_neither_deadlock_nor_fail():
    make_channel("tmall")
    products = [make_product(f"SH{i}") for i in range(6)]
    base = clock.now() - timedelta(hours=1)

    def batch(i: int) -> list[ListingInput]:
        # Each batch takes four of the six listings, in its own order.
        picked = [products[(i + k) % 6] for k in range(4)]
        picked = picked[::-1] if i % 2 else picked
        return [listing(p, observed_at=base + timedelta(seconds=i)) for p in picked]

    results = _race(12, batch)
    assert sum(r.created for r in results) == 6
    assert ChannelListing.objects.count() == 6


def test_batches_take_turns_on_a_lock_that_lets_orders_point_at_the_channel():
    make_channel("tmall")
    product = make_product("JK1")
    with CaptureQueriesContext(connection) as ctx:
        listings_upsert(channel_code="tmall", items=[listing(product)], source="api")
    assert any("FOR NO KEY UPDATE" in q["sql"] for q in ctx.captured_queries)
