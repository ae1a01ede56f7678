"""The Consistency page in headless Chromium at phone and desktop widths: nothing runs off the
side of the page, the filters work, and each difference reads as a card on a phone."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from tests.browser.conftest import staff_login
from tests.factories import make_product, make_user
from tests.listings.helpers import days_ago, listing, make_channel, observe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize(
    ("name", "viewport", "mobile"),
    [
        ("phone", {"width": 390, "height": 844}, True),
        ("desktop", {"width": 1280, "height": 800}, False),
    ],
)
def test_consistency_page_at_width(live_server, chromium, shoot, name, viewport, mobile):
    make_channel("tmall", name="天猫旗舰店")
    make_channel("jd", name="京东旗舰店")
    coat = make_product("JK100", price="1299.00")
    description = "双面羊毛大衣，落肩廓形，手工缝制，适合秋冬通勤与周末出行的百搭款式。" * 3
    observe(
        "tmall",
        listing(coat, price="1399.00", title="衣见 双面羊毛大衣 女 2026秋冬新款 通勤百搭"),
        listing(coat, external_id="sku-1", sku="JK100-M", description=description),
    )
    observe("jd", listing(coat, observed_at=days_ago(12)))
    user = make_user(Role.MARKETER)

    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale="zh-CN")
    page = context.new_page()
    staff_login(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/dashboard/consistency/")
    assert page.evaluate(OVERFLOW) <= 0
    table = page.locator("[data-testid=drift-table]")
    assert table.locator("tbody tr").count() == 4
    shoot(page, f"consistency-{name}")

    page.select_option("select[name=channel]", "jd")
    page.click("[data-testid=drift-filters] button[type=submit]")
    page.wait_for_url("**/consistency/?channel=jd&field=")
    assert table.locator("tbody tr").count() == 1
    assert "12 天前" in table.inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    context.close()
