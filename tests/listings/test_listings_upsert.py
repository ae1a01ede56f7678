"""`listings_upsert`: strict validation (every problem at once, nothing written) and an
upsert by (channel, external id) that re-sending cannot change."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.listings.models import ChannelListing
from omniloop.listings.services import listings_upsert
from omniloop.listings.text import description_hash
from omniloop.listings.values import UpsertResult
from omniloop.stores.models import SalesChannel
from tests.factories import make_product
from tests.listings.helpers import days_ago, listing, make_channel, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def coat():
    make_channel("tmall")
    return make_product("JK100", price="399.00")


def upsert(*items, channel="tmall", source="api"):
    return listings_upsert(channel_code=channel, items=list(items), source=source)


def refused(*items, channel="tmall", source="api") -> ValidationFailed:
    with pytest.raises(ValidationFailed) as exc:
        upsert(*items, channel=channel, source=source)
    assert not ChannelListing.objects.exists()
    return exc.value


def test_creates_then_replays_unchanged_then_updates(coat):
    first = listing(coat, url="https://detail.tmall.com/item.htm?id=1")
    assert upsert(first) == UpsertResult(created=1)
    assert upsert(first) == UpsertResult(unchanged=1)
    later = listing(coat, price="379.00", observed_at=days_ago(0))
    assert upsert(later) == UpsertResult(updated=1)
    assert stored() == [("ext-JK100", coat.name, Decimal("379.00"))]
    row = ChannelListing.objects.get()
    assert row.url == "" and row.source == "api" and row.observed_at == later.observed_at


def test_an_older_observation_does_not_overwrite_a_newer_one(coat):
    upsert(listing(coat, price="379.00", observed_at=days_ago(1)))
    assert upsert(listing(coat, price="1.00", observed_at=days_ago(2))) == UpsertResult(
        ignored_older=1
    )
    assert stored() == [("ext-JK100", coat.name, Decimal("379.00"))]


def test_the_same_external_id_on_two_channels_is_two_listings(coat):
    make_channel("jd")
    upsert(listing(coat))
    upsert(listing(coat), channel="jd")
    assert ChannelListing.objects.count() == 2


def test_a_description_is_stored_with_its_hash(coat):
    upsert(listing(coat, description=" 纯棉\n衬衫 "))
    row = ChannelListing.objects.get()
    assert row.description == " 纯棉\n衬衫 "
    assert row.description_hash == description_hash("纯棉 衬衫")


def test_every_problem_of_a_batch_is_reported_and_nothing_is_written(coat):
    other = make_product("SH200")
    good = listing(coat, external_id="ok")
    exc = refused(
        good,
        listing(coat, external_id="ok"),
        listing(coat, external_id="p", style_code="NOPE"),
        listing(coat, external_id="s", sku="NOPE-M"),
        listing(coat, external_id="m", sku=other.skus.first().sku_code),
        listing(coat, external_id="t", title="   "),
        listing(coat, external_id="c", price="3.999"),
        listing(coat, external_id="n", price="-1"),
        listing(coat, external_id="z", observed_at=datetime(2026, 11, 1, 10, 0)),
        listing(coat, external_id="f", observed_at=clock.now() + timedelta(hours=1)),
        listing(coat, external_id="h", description_hash="ABC"),
        listing(coat, external_id="x", description="a", description_hash=description_hash("b")),
        listing(coat, external_id="u", url="ftp://example.com/x"),
        listing(coat, external_id=" padded"),
    )
    assert exc.code == "listings_invalid" and exc.status == 422
    assert [(p["index"], p["code"]) for p in exc.extra["problems"]] == [
        (1, "external_id_duplicate"),
        (2, "product_unknown"),
        (3, "sku_unknown"),
        (4, "sku_product_mismatch"),
        (5, "title_invalid"),
        (6, "price_invalid"),
        (7, "price_invalid"),
        (8, "observed_at_naive"),
        (9, "observed_at_future"),
        (10, "description_hash_invalid"),
        (11, "description_hash_mismatch"),
        (12, "url_invalid"),
        (13, "external_id_invalid"),
    ]


@pytest.mark.parametrize(
    ("channel", "code"),
    [("nope", "channel_unknown"), ("off", "channel_unknown"), ("store-till", "channel_internal")],
)
def test_channels_that_take_no_observed_listings(coat, channel, code):
    make_channel("off", active=False)
    make_channel("store-till", SalesChannel.Kind.STORE_TILL)
    assert refused(listing(coat), channel=channel).code == code


def test_batch_level_refusals(coat):
    assert refused().code == "listings_empty"
    assert refused(listing(coat), source="internal").code == "source_invalid"
    many = [listing(coat, external_id=f"e{i}") for i in range(501)]
    assert refused(*many).code == "listings_too_many"
