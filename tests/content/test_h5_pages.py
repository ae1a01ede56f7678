"""The H5 content pages in both malls: the feed, an item's page with picks priced by the engine
(never a stored price), the promotion's terms and claim button, views recorded, drafts shown
only through a signed preview, and a body's markup escaped."""

from __future__ import annotations

import pytest

from omniloop.content.models import ContentView
from omniloop.content.preview import preview_token
from omniloop.h5.prices import h5_prices
from omniloop.h5.session import VISITOR_COOKIE
from omniloop.stores.models import SalesChannel
from tests.content.helpers import item
from tests.factories import make_member, make_product
from tests.h5.helpers import all_by_testid, as_member, attrs_by_testid, by_testid, in_english
from tests.listings.helpers import make_channel
from tests.promotions.coupon_helpers import make_template
from tests.promotions.pricing_helpers import live_offer, site_offers

pytestmark = pytest.mark.django_db


@pytest.fixture
def malls() -> None:
    make_channel("wechat-mall", SalesChannel.Kind.WECHAT_MALL)
    make_channel("web-mall", SalesChannel.Kind.WEB_MALL)
    site_offers()


def test_the_feed_lists_live_items_in_both_languages(client, malls):
    item(publish=True, title="秋季上新", title_en="Autumn arrivals", summary="新品到店")
    item(title="草稿", title_en="Draft")
    html = client.get("/m/news").content
    assert all_by_testid(html, "content-card")[0].startswith("资讯 秋季上新 新品到店")
    assert len(all_by_testid(html, "content-card")) == 1
    english = in_english(client).get("/shop/news").content
    assert "Autumn arrivals" in by_testid(english, "content-card")
    assert by_testid(english, "content-card").startswith("News")


def test_picks_are_priced_by_the_engine_in_the_mall_of_the_page(client, malls):
    coat = make_product("JK100", price="399.00")
    tee = make_product("TS200", price="99.50")
    web_only = live_offer(name="官网九折", kind="percent_off", params={"pay_percent": 90})
    web_only.channels = ["web-mall"]
    web_only.save(update_fields=["channels"])
    picks = item("picks", product_ids=[tee.pk, coat.pk], publish=True)
    wechat = client.get(f"/m/news/{picks.pk}").content
    assert all_by_testid(wechat, "tile-price") == ["¥99.50", "¥349.00"]
    expected = h5_prices(products=[tee, coat], member=None, channel_code="wechat-mall")
    assert [f"¥{expected[p.pk].price:.2f}" for p in (tee, coat)] == ["¥99.50", "¥349.00"]
    web = client.get(f"/shop/news/{picks.pk}").content
    shop = h5_prices(products=[tee, coat], member=None, channel_code="web-mall")
    assert all_by_testid(web, "tile-price") == [f"¥{shop[p.pk].price:,.2f}" for p in (tee, coat)]
    assert all_by_testid(web, "tile-price") != all_by_testid(wechat, "tile-price")
    coat.list_price = "499.00"  # a catalog change shows at once: nothing was stored
    coat.save(update_fields=["list_price"])
    assert all_by_testid(client.get(f"/m/news/{picks.pk}").content, "tile-price")[1] == "¥449.00"


def test_a_promotion_shows_its_terms_and_a_claim_button_when_claimable(client, malls):
    claimable = make_template(name="秋季券", claimable=True)
    promo = item("promotion", coupon_template_id=claimable.pk, publish=True)
    html = client.get(f"/m/news/{promo.pk}").content
    assert by_testid(html, "content-offer-terms") == "满300元减50元"
    claim = attrs_by_testid(html, "content-claim")["href"]
    assert claim == f"/m/coupons/claim/{claimable.claim_token}"
    assert client.get(claim).status_code == 200
    web = client.get(f"/shop/news/{promo.pk}").content
    assert attrs_by_testid(web, "content-claim")["href"].startswith("/shop/coupons/claim/")
    not_claimable = make_template(name="定向券")
    quiet = item("promotion", coupon_template_id=not_claimable.pk, publish=True)
    assert all_by_testid(client.get(f"/m/news/{quiet.pk}").content, "content-claim") == []


def test_views_are_recorded_with_the_member_or_the_visitor(client, malls):
    news = item(publish=True)
    client.cookies[VISITOR_COOKIE] = "v-abc"
    client.get(f"/m/news/{news.pk}?via=feed")
    member = make_member()
    as_member(client, member).get(f"/shop/news/{news.pk}?via=push")
    rows = list(
        ContentView.objects.order_by("pk").values_list("member", "visitor_key", "mall", "via")
    )
    assert rows == [(None, "v-abc", "wechat_mall", "feed"), (member.pk, "", "web_mall", "push")]


def test_a_draft_is_a_404_except_through_its_preview_link(client, malls):
    draft = item(title="未发布")
    other = item(title="另一篇")
    response = client.get(f"/m/news/{draft.pk}")
    assert response.status_code == 404
    assert "这个页面无法访问" in response.content.decode() or "content_not_found" in (
        response.content.decode()
    )
    token = preview_token(draft.pk)
    shown = client.get(f"/m/news/{draft.pk}?preview={token}")
    assert shown.status_code == 200 and shown["Cache-Control"] == "private, no-store"
    assert by_testid(shown.content, "content-title") == "未发布"
    assert by_testid(shown.content, "content-preview")
    assert client.get(f"/m/news/{other.pk}?preview={token}").status_code == 404
    assert client.get(f"/m/news/{draft.pk}?preview=forged").status_code == 404
    assert ContentView.objects.count() == 0


def test_a_body_with_markup_reaches_the_page_as_text(client, malls):
    news = item(
        publish=True,
        body='<script>alert(1)</script>\n\n<img src=x onerror="alert(2)">\n\n**粗体**',
    )
    response = client.get(f"/m/news/{news.pk}")
    html = response.content.decode()
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>粗体</strong>" in html
    assert "script-src" in response["Content-Security-Policy"]
    assert "unsafe-inline" not in response["Content-Security-Policy"].split("script-src")[1]


def test_the_pages_cost_the_same_queries_however_many_items_and_picks(
    client, malls, django_assert_max_num_queries
):
    products = [make_product(f"Q{i:03d}") for i in range(12)]
    picks = item("picks", product_ids=[p.pk for p in products[:2]], publish=True)
    for _ in range(3):
        item(publish=True)
    with django_assert_max_num_queries(8) as few:
        client.get("/m/news")
    with django_assert_max_num_queries(20) as small:
        client.get(f"/m/news/{picks.pk}")
    big = item("picks", product_ids=[p.pk for p in products], publish=True)
    for _ in range(10):
        item(publish=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/m/news")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(f"/m/news/{big.pk}")
