"""`h5_prices` on the H5 pages: the engine's one-unit price in the WeChat mall (到手价) with the
list price struck through and the offers named, a member's tier price, tiles priced in one pass,
and the consistency check seeing what an anonymous shopper sees."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from omniloop.catalog.models import OutfitLink
from omniloop.h5.prices import h5_channel_code, h5_prices, h5_shown
from omniloop.listings.selectors import listing_drift
from omniloop.stores.models import SalesChannel
from tests.factories import make_member, make_product, make_store
from tests.h5.helpers import all_by_testid, as_member, by_testid, in_english
from tests.listings.helpers import make_channel
from tests.promotions.pricing_helpers import live_offer, site_offers, tiered

pytestmark = pytest.mark.django_db


@pytest.fixture
def mall() -> SalesChannel:
    return make_channel("wechat-mall", SalesChannel.Kind.WECHAT_MALL)


@pytest.fixture
def demo_offers(mall) -> None:
    site_offers()


def _page(client: Client, style_code: str) -> bytes:
    response = client.get(f"/m/p/{style_code}")
    assert response.status_code == 200
    return response.content


def test_an_offer_shows_the_final_price_the_struck_list_price_and_its_name(client, demo_offers):
    coat = make_product("JK100", price="399.00")
    html = _page(client, coat.style_code)
    assert by_testid(html, "price") == "¥349.00"
    assert by_testid(html, "list-price") == "¥399.00"
    assert by_testid(html, "price-row").startswith("到手价 ¥349.00 原价 ¥399.00")
    assert by_testid(html, "offers") == "满300减50，满500减100"
    english = _page(in_english(client), coat.style_code)
    assert by_testid(english, "price-row") == "Final price ¥349.00 List price ¥399.00"


def test_without_an_offer_only_the_list_price_is_shown(client, demo_offers):
    tee = make_product("TS200", price="99.50")
    html = _page(client, tee.style_code)
    assert by_testid(html, "price") == "¥99.50"
    for testid in ("list-price", "price-row", "offers"):
        assert all_by_testid(html, testid) == []
    assert "到手价" not in html.decode()


def test_an_identified_gold_member_sees_the_tier_price(client, demo_offers):
    coat = make_product("JK100", price="399.00")
    gold = tiered(make_member(), "gold")
    html = _page(as_member(client, gold), coat.style_code)
    # 399 - 50 = 349, then 95% of that for gold (折上折): 331.55
    assert by_testid(html, "price") == "¥331.55"
    assert by_testid(html, "list-price") == "¥399.00"
    assert by_testid(html, "offers") == "满300减50，满500减100 金卡会员折上折"
    standard = _page(as_member(Client(), make_member()), coat.style_code)
    assert by_testid(standard, "price") == "¥349.00"
    assert by_testid(_page(Client(), coat.style_code), "price") == "¥349.00"


def test_tiles_and_complete_the_look_are_priced_the_same_way(client, demo_offers):
    coat = make_product("JK100", price="399.00")
    trousers = make_product("TR300", price="599.00")
    tee = make_product("TS200", price="99.50")
    OutfitLink.objects.create(product=coat, item=trousers, position=0)
    OutfitLink.objects.create(product=coat, item=tee, position=1)
    outfit = by_testid(_page(client, coat.style_code), "outfit")
    assert "¥499.00 原价 ¥599.00 满300减50，满500减100" in outfit
    assert "¥99.50" in outfit and "原价 ¥99.50" not in outfit
    for url in ("/m/", f"/m/store/{make_store().code}"):
        html = client.get(url).content
        prices = all_by_testid(html, "tile-price")
        assert sorted(prices) == ["¥349.00", "¥499.00", "¥99.50"], url
        assert sorted(all_by_testid(html, "tile-list-price")) == ["¥399.00", "¥599.00"]
        assert all_by_testid(html, "tile-offers") == ["满300减50，满500减100"] * 2


def test_pages_price_all_their_products_in_one_pass(
    client, demo_offers, django_assert_max_num_queries
):
    coat = make_product("JK100", price="399.00")
    for i in range(6):
        item = make_product(price=f"{150 + 100 * i}.00")
        OutfitLink.objects.create(product=coat, item=item, position=i)
    gold = as_member(client, tiered(make_member(), "gold"))
    _page(gold, coat.style_code)  # builds the offer index
    # session, member, product + category, photos, SKUs, outfit links + items, their photos,
    # brand; pricing: the channel, the index fingerprint, the SKUs, the brand's time zone. One
    # engine pass for the product and its six outfit items: no query per product.
    with django_assert_max_num_queries(12):
        html = _page(gold, coat.style_code)
    assert len(all_by_testid(html, "tile-price")) == 6
    with django_assert_max_num_queries(12):
        assert len(all_by_testid(gold.get("/m/").content, "tile-price")) == 6


def test_the_check_sees_what_an_anonymous_shopper_sees(client, demo_offers, mall):
    coat = make_product("JK100", price="399.00")
    tee = make_product("TS200", price="99.50")
    gold = tiered(make_member(), "gold")
    for product in (coat, tee):
        page = by_testid(_page(client, product.style_code), "price")
        shown = h5_shown(product, mall, Decimal("1.00"))  # its own price, not the one given
        assert page == f"¥{shown.price:,.2f}"
    assert h5_shown(coat, mall, Decimal("1.00")).price == Decimal("349.00")
    # A member's page is the member's; the check's view stays the anonymous one.
    assert h5_prices(products=[coat], member=gold)[coat.pk].price == Decimal("331.55")
    assert listing_drift(channel_code="wechat-mall").rows == ()


def test_the_h5_sells_in_the_first_active_wechat_mall(mall):
    assert h5_channel_code() == "wechat-mall"
    SalesChannel.objects.filter(pk=mall.pk).update(active=False)
    make_channel("wx-mini", SalesChannel.Kind.WECHAT_MALL)
    assert h5_channel_code() == "wx-mini"


def test_a_channel_scoped_offer_reaches_the_h5_through_its_channel(client, mall):
    coat = make_product("JK100", price="399.00")
    make_channel("web-mall", SalesChannel.Kind.WEB_MALL)
    live_offer(
        name="官网9折", kind="percent_off", params={"pay_percent": 90}, channels=["web-mall"]
    )
    assert by_testid(_page(client, coat.style_code), "price") == "¥399.00"
    live_offer(
        name="微商城9折", kind="percent_off", params={"pay_percent": 90}, channels=["wechat-mall"]
    )
    html = _page(client, coat.style_code)
    assert (by_testid(html, "price"), by_testid(html, "offers")) == ("¥359.10", "微商城9折")


def test_a_product_without_an_active_sku_shows_its_list_price(client, demo_offers):
    empty = make_product("EM100", price="399.00", sizes=())
    assert by_testid(_page(client, empty.style_code), "price") == "¥399.00"
