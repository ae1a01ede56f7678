"""`listing_drift`: marketplaces' observed listings and our own surfaces against the catalog
and the one pricing engine."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.catalog.models import ChannelAvailability, Product
from omniloop.core.errors import NotFound
from omniloop.listings.selectors import listing_drift
from omniloop.listings.text import description_hash
from omniloop.listings.values import DriftField, Severity
from omniloop.stores.models import SalesChannel
from tests.factories import make_product
from tests.listings.helpers import days_ago, listing, make_channel, observe
from tests.promotions.pricing_helpers import live_offer, no_writes, site_offers

pytestmark = pytest.mark.django_db


@pytest.fixture
def tmall():
    return make_channel("tmall", platform="tmall")


@pytest.fixture
def coat():
    product = make_product("JK100", price="399.00")
    Product.objects.filter(pk=product.pk).update(
        name="羊毛大衣", name_en="Wool coat", description="双面羊毛，手工缝制。"
    )
    product.refresh_from_db()
    return product


def _rows(report):
    return [(r.style_code, r.channel_code, r.field, r.expected, r.shown) for r in report.rows]


def test_a_wrong_price_and_another_title_on_a_marketplace_are_drift(tmall, coat):
    observe("tmall", listing(coat, price="429.00", title="羊毛大衣 2026秋冬新款"))
    report = listing_drift()
    assert _rows(report) == [
        ("JK100", "tmall", DriftField.PRICE, "399.00", "429.00"),
        ("JK100", "tmall", DriftField.TITLE, "羊毛大衣", "羊毛大衣 2026秋冬新款"),
    ]
    price, title = report.rows
    assert price.difference == Decimal("30.00")
    assert price.severity == Severity.HIGH and title.severity == Severity.MEDIUM
    assert price.external_id == "ext-JK100" and price.source == "api"
    assert price.list_price == Decimal("399.00")
    assert report.checked == 1


def test_a_listing_that_matches_is_no_drift_in_either_language(tmall, coat):
    observe(
        "tmall",
        listing(coat, external_id="a", title=" 羊毛大衣 ", description="双面羊毛,手工缝制。\n"),
        listing(coat, external_id="b", title="Wool  coat"),
    )
    report = listing_drift()
    assert report.rows == () and report.checked == 1


def test_price_must_match_to_the_fen(tmall, coat):
    observe("tmall", listing(coat, price="398.99"))
    (row,) = listing_drift().rows
    assert (row.field, row.difference) == (DriftField.PRICE, Decimal("-0.01"))


def test_a_channel_scoped_offer_moves_the_expected_price_in_that_channel_only(tmall, coat):
    make_channel("jd", platform="jd")
    live_offer(name="天猫9折", kind="percent_off", params={"pay_percent": 90}, channels=["tmall"])
    observe("tmall", listing(coat, price="359.10"))
    observe("jd", listing(coat, price="359.10"))
    report = listing_drift()
    assert _rows(report) == [("JK100", "jd", DriftField.PRICE, "399.00", "359.10")]
    # The engine's price, not the catalog's, is the truth: list price on Tmall is drift now.
    observe("tmall", listing(coat, price="399.00", observed_at=days_ago(0.01)))
    assert ("JK100", "tmall", DriftField.PRICE, "359.10", "399.00") in _rows(listing_drift())


def test_an_offer_with_a_threshold_counts_for_one_unit(tmall, coat):
    live_offer(name="满300减50", kind="threshold", params={"tiers": [[30000, 5000]]})
    observe("tmall", listing(coat, price="349.00"))
    assert listing_drift().rows == ()


def test_a_sku_listing_is_priced_for_that_sku(tmall, coat):
    observe("tmall", listing(coat, sku="JK100-M", price="399.00"))
    assert listing_drift().rows == ()


def test_a_different_description_is_drift_and_one_not_sent_is_not_compared(tmall, coat):
    observe(
        "tmall",
        listing(coat, external_id="text", description="单面羊毛"),
        listing(coat, external_id="hash", description_hash=description_hash(coat.description)),
        listing(coat, external_id="none"),
    )
    (row,) = listing_drift().rows
    assert (row.field, row.external_id, row.shown, row.severity) == (
        DriftField.DESCRIPTION,
        "text",
        "单面羊毛",
        Severity.LOW,
    )
    assert row.expected == "双面羊毛,手工缝制。"  # NFKC folds the full-width comma


def test_missing_and_stale_listings(tmall, coat, settings):
    settings.OMNILOOP_LISTING_STALE_DAYS = 7
    shirt = make_product("SH200", price="199.00")
    make_product("OFF01")
    ChannelAvailability.objects.create(
        product=Product.objects.get(style_code="OFF01"), channel=tmall, available=False
    )
    observe("tmall", listing(coat, observed_at=days_ago(8.5)))
    rows = listing_drift().rows
    assert [(r.style_code, r.field, r.severity) for r in rows] == [
        ("SH200", DriftField.MISSING, Severity.MEDIUM),
        ("JK100", DriftField.STALE, Severity.LOW),
    ]
    assert (rows[1].expected, rows[1].shown) == ("7", "8")
    assert rows[0].expected == shirt.name and rows[0].shown == ""
    observe("tmall", listing(coat, observed_at=days_ago(6.9)))
    assert [r.field for r in listing_drift().rows] == [DriftField.MISSING]


def test_retired_products_and_inactive_channels_are_not_checked(tmall, coat):
    make_channel("jd", active=False)
    Product.objects.filter(pk=coat.pk).update(status=Product.Status.RETIRED)
    report = listing_drift()
    assert (report.rows, report.checked) == ((), 0)


def test_our_till_and_h5_show_the_engine_price(coat):
    make_channel("store-till", SalesChannel.Kind.STORE_TILL)
    make_channel("wechat-mall", SalesChannel.Kind.WECHAT_MALL)
    assert listing_drift().rows == ()
    # 满300减50 (a ¥399 coat alone qualifies) and a members-only 金卡会员折上折, which is not
    # part of the price an anonymous shopper is shown; and an offer for the WeChat mall only.
    site_offers()
    live_offer(
        name="微商城9折", kind="percent_off", params={"pay_percent": 90}, channels=["wechat-mall"]
    )
    # The till charges the quote; the H5 product page prints the same quote: no drift.
    report = listing_drift()
    assert report.rows == () and report.checked == 2
    assert listing_drift(channel_code="wechat-mall", field=DriftField.PRICE).rows == ()


def test_filters_and_an_unknown_channel(tmall, coat):
    make_channel("jd")
    observe("tmall", listing(coat, price="1.00", title="x"))
    assert {r.channel_code for r in listing_drift(channel_code="jd").rows} == {"jd"}
    assert [r.field for r in listing_drift(field=DriftField.TITLE).rows] == [DriftField.TITLE]
    with pytest.raises(NotFound) as exc:
        listing_drift(channel_code="nope")
    assert exc.value.code == "channel_not_found"


def test_the_check_writes_nothing(tmall, coat):
    observe("tmall", listing(coat, price="1.00"))
    with no_writes():
        assert listing_drift().rows
