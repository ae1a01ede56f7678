"""`product_unit_quotes`: one unit of many products priced in one pass, each exactly as `quote`
prices it, with a query count that does not grow with the number of products."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniloop.catalog.models import Category, Product, Sku
from omniloop.promotions.pricing import product_unit_quotes, quote
from omniloop.stores.models import SalesChannel
from tests.factories import make_member, make_product
from tests.listings.helpers import make_channel
from tests.promotions.pricing_helpers import live_offer, no_writes, site_offers, tiered

pytestmark = pytest.mark.django_db

CHANNEL = "wechat-mall"
SATURDAY_0200_UTC = datetime(2026, 5, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def offers() -> None:
    """The demo's offers (a threshold, a tier extra, a channel- and category-scoped percentage)
    and one outside its hours."""
    make_channel(CHANNEL, SalesChannel.Kind.WECHAT_MALL)
    make_channel("store-till", SalesChannel.Kind.STORE_TILL)
    coats, _ = Category.objects.get_or_create(code="coats", defaults={"name": "外套"})
    site_offers()
    live_offer(
        name="外套线上9折",
        kind="percent_off",
        params={"pay_percent": 90},
        all_products=False,
        categories=[coats.pk],
        channels=[CHANNEL],
    )
    live_offer(
        name="evenings",
        kind="amount_off",
        params={"amount": 1000},
        daily_start=time(18),
        daily_end=time(22),
    )


def _products() -> list[Product]:
    coats, _ = Category.objects.get_or_create(code="coats", defaults={"name": "外套"})
    coat = make_product("CT100", price="1299.00")
    Product.objects.filter(pk=coat.pk).update(category=coats)
    return [
        make_product("JK100", price="399.00"),
        make_product("TS200", price="99.50"),
        coat,
        make_product("SH300", price="299.99"),
    ]


def _one_by_one(products, **kw) -> dict:
    first = {p.pk: p.skus.filter(active=True).order_by("sku_code").first() for p in products}
    return {
        pk: quote(
            items=[(sku.sku_code, 1)], store_id=None, coupon_codes=[], channel_code=CHANNEL, **kw
        )
        for pk, sku in first.items()
    }


@pytest.mark.parametrize("tier", [None, "standard", "gold"])
def test_each_product_is_priced_as_a_one_unit_quote(offers, tier):
    products = _products()
    member = tiered(make_member(), tier) if tier else None
    kw = {"member_id": member.pk if member else None, "at": SATURDAY_0200_UTC}
    batch = product_unit_quotes(product_ids=[p.pk for p in products], channel_code=CHANNEL, **kw)
    single = _one_by_one(products, **kw)
    assert batch.keys() == single.keys()
    for pk, priced in single.items():
        assert batch[pk].quote == priced.quote
        assert batch[pk].basket == priced.basket
        assert batch[pk].candidates == priced.candidates
    totals = {p.style_code: str(batch[p.pk].total) for p in products}
    gold = tier == "gold"
    assert totals == {
        "JK100": "331.55" if gold else "349.00",
        "TS200": "94.52" if gold else "99.50",
        "CT100": "1025.14" if gold else "1079.10",
        "SH300": "284.99" if gold else "299.99",
    }


def test_the_channel_decides_channel_scoped_offers(offers):
    products = _products()
    coat = products[2]
    at = SATURDAY_0200_UTC  # 10:00 in Shanghai: outside the evenings offer's hours, whenever run
    online = product_unit_quotes(product_ids=[coat.pk], channel_code=CHANNEL, member_id=None, at=at)
    till = product_unit_quotes(
        product_ids=[coat.pk], channel_code="store-till", member_id=None, at=at
    )
    assert [a.name for a in online[coat.pk].quote.applied] == [
        "满300减50，满500减100",
        "外套线上9折",
    ]
    assert [a.name for a in till[coat.pk].quote.applied] == ["满300减50，满500减100"]


def test_the_first_active_sku_is_priced_and_products_without_one_are_left_out():
    jacket = make_product("JK100")
    Sku.objects.filter(sku_code="JK100-L").update(active=False)
    empty = make_product("EM100", sizes=())
    batch = product_unit_quotes(
        product_ids=[jacket.pk, empty.pk], channel_code=CHANNEL, member_id=None
    )
    assert list(batch) == [jacket.pk]
    assert batch[jacket.pk].basket.sku_codes == ("JK100-M",)
    assert product_unit_quotes(product_ids=[], channel_code=CHANNEL, member_id=None) == {}


def test_many_products_cost_the_queries_of_one(offers):
    products = _products() + [make_product(price="520.00") for _ in range(8)]
    member = tiered(make_member(), "gold")

    def count(ids: list[int]) -> int:
        with CaptureQueriesContext(connection) as ctx:
            product_unit_quotes(
                product_ids=ids, channel_code=CHANNEL, member_id=member.pk, tier=member.tier
            )
        return len(ctx.captured_queries)

    count([products[0].pk])  # builds the offer index
    # the fingerprint (inside a transaction, on every call), the SKUs, the brand's time zone
    assert count([products[0].pk]) == 3
    assert count([p.pk for p in products]) == 3


def test_unit_quotes_write_nothing(offers):
    products = _products()
    member = make_member()
    with no_writes():
        batch = product_unit_quotes(
            product_ids=[p.pk for p in products], channel_code=CHANNEL, member_id=member.pk
        )
    assert len(batch) == 4
