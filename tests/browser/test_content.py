"""Content operations in headless Chromium: a marketer writes product picks in the editor
(desktop, English; the editor in Chinese too), publishes and pushes them to a segment by SMS;
a member opens the tracked link from the SMS on a phone and lands on the picks, priced by the
engine; the feed at phone width in Chinese and English; the item's page then shows the click
and the view. Screenshots at each step; no console errors, no sideways scrolling."""

from __future__ import annotations

import re

import pytest

from omniloop.accounts.models import Role
from omniloop.content.models import ContentItem, ContentPush, ContentView
from omniloop.insights.features import features_rebuild
from omniloop.stores.models import SalesChannel
from tests.browser.conftest import staff_login
from tests.campaigns.helpers import everyone_segment
from tests.content.helpers import item
from tests.factories import make_product, make_user
from tests.images import png_bytes
from tests.listings.helpers import make_channel
from tests.messaging.conftest import member_with
from tests.promotions.coupon_helpers import make_template
from tests.promotions.pricing_helpers import site_offers

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False}


def _watch(page, errors: list[str]) -> None:
    page.on(
        "console", lambda m: errors.append(f"{m.text} {m.location}") if m.type == "error" else None
    )
    page.on("pageerror", lambda e: errors.append(str(e)))


def test_picks_written_published_pushed_and_read_on_a_phone(
    live_server, chromium, shoot, sms_outbox, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)
    settings.OMNILOOP_BASE_URL = live_server.url
    make_channel("wechat-mall", SalesChannel.Kind.WECHAT_MALL)
    site_offers()
    make_product("JK100", price="399.00")
    make_product("TS200", price="99.50")
    for _ in range(3):
        member_with(consents=("sms",))
    features_rebuild()
    segment = everyone_segment()
    item(
        "news",
        publish=True,
        title="门店焕新开业",
        title_en="Our Jing'an store reopens",
        summary="周六起全新亮相",
        summary_en="New look from Saturday",
        body="## 开业活动\n\n- 到店礼\n- **会员双倍积分**",
    )
    item(
        "promotion",
        publish=True,
        coupon_template_id=make_template(name="秋季券", claimable=True).pk,
        title="秋季领券",
        title_en="Autumn coupon",
        summary="满300减50",
        summary_en="¥50 off ¥300",
    )
    marketer = make_user(Role.MARKETER)
    errors: list[str] = []

    desk = chromium.new_context(**DESKTOP, locale="en-US").new_page()
    staff_login(desk, live_server.url, marketer.username)
    _watch(desk, errors)  # after signing in: the login pages are not this test's
    desk.goto(f"{live_server.url}/dashboard/content/new/?kind=picks")
    desk.fill("#id_title", "本周精选")
    desk.fill("#id_title_en", "This week's picks")
    desk.fill("#id_summary", "秋冬外套与基础款")
    desk.fill("#id_summary_en", "Coats and basics for autumn")
    desk.fill("#id_picks", "JK100 TS200")
    desk.set_input_files(
        "#id_cover",
        files=[
            {
                "name": "cover.png",
                "mimeType": "image/png",
                "buffer": png_bytes(320, 180, (196, 120, 74), (40, 34, 30), 2 / 3),
            }
        ],
    )
    assert desk.evaluate(OVERFLOW) <= 0
    shoot(desk, "content-editor-desktop-en")
    desk.click("[data-testid=content-save]")
    desk.wait_for_load_state()
    picks = ContentItem.objects.get(kind="picks")
    preview = desk.locator("[data-testid=preview-wechat]").get_attribute("href")

    phone = chromium.new_context(**PHONE, locale="zh-CN").new_page()
    _watch(phone, errors)
    phone.goto(f"{live_server.url}{preview}")
    assert phone.locator("[data-testid=content-preview]").count() == 1
    assert phone.locator("[data-testid=tile-price]").all_inner_texts() == ["¥349.00", "¥99.50"]
    shoot(phone, "content-preview-phone-zh")
    assert ContentView.objects.count() == 0

    desk.click("[data-testid=content-publish]")
    desk.wait_for_load_state()
    assert desk.locator("[data-testid=content-state]").inner_text() == "Live"
    desk.select_option("[data-testid=push-segment]", str(segment.pk))
    desk.select_option("#id_channel", "sms")
    desk.click("[data-testid=push-send]")
    desk.wait_for_load_state()
    push = ContentPush.objects.get(item=picks)
    assert desk.locator("[data-testid=push-queued]").inner_text() == "3"
    assert desk.locator("[data-testid=push-sent]").inner_text() == "3"
    assert len(sms_outbox) == 3

    zh_desk = chromium.new_context(**DESKTOP, locale="zh-CN").new_page()
    staff_login(zh_desk, live_server.url, make_user(Role.HQ_ADMIN).username)
    _watch(zh_desk, errors)
    zh_desk.goto(f"{live_server.url}/dashboard/content/{picks.pk}/")
    assert "标题(英文)" in zh_desk.content()
    assert zh_desk.evaluate(OVERFLOW) <= 0
    shoot(zh_desk, "content-editor-desktop-zh")

    link = re.search(r"(https?://\S+/msg/c/\S+/)", sms_outbox[0].text).group(1)
    phone.goto(link)
    phone.wait_for_load_state()
    assert f"/m/news/{picks.pk}?via=push" in phone.url
    assert phone.locator("[data-testid=content-title]").inner_text() == "本周精选"
    assert (
        phone.evaluate("document.querySelector('[data-testid=content-cover]').naturalWidth") == 320
    )
    prices = phone.locator("[data-testid=tile-price]").all_inner_texts()
    assert prices == ["¥349.00", "¥99.50"]  # 满300减50 on the coat; the engine's price
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "content-picks-phone-zh")
    phone.goto(f"{live_server.url}/m/news")
    cards = phone.locator("[data-testid=content-card]")
    assert cards.count() == 3
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "content-feed-phone-zh")
    phone.goto(f"{live_server.url}/m/news/{ContentItem.objects.get(kind='news').pk}")
    assert phone.locator("[data-testid=content-body] strong").inner_text() == "会员双倍积分"
    shoot(phone, "content-news-phone-zh")

    en_phone = chromium.new_context(**PHONE, locale="en-US").new_page()
    _watch(en_phone, errors)
    en_phone.goto(f"{live_server.url}/m/news")
    assert "This week's picks" in en_phone.locator("[data-testid=content-feed]").inner_text()
    assert en_phone.evaluate(OVERFLOW) <= 0
    shoot(en_phone, "content-feed-phone-en")
    en_phone.goto(f"{live_server.url}/m/news/{ContentItem.objects.get(kind='promotion').pk}")
    assert en_phone.locator("[data-testid=content-claim]").count() == 1
    shoot(en_phone, "content-promotion-phone-en")

    desk.goto(f"{live_server.url}/dashboard/content/{picks.pk}/")
    assert desk.locator("[data-testid=push-clicked]").inner_text() == "1"
    assert desk.locator("[data-testid=views-push]").inner_text() == "1"
    assert ContentView.objects.filter(item=picks, via="push").count() == 1
    shoot(desk, "content-pushed-desktop-en")
    assert errors == []
    assert push.queued == 3
