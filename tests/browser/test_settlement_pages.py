"""The settlement report, the O2O performance page and the rules page in headless Chromium, at
phone and desktop widths, in Chinese and English: nothing runs off the side of the page and the
figures are the ledger's."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.settlement.services import settlement_backfill
from tests.browser.conftest import staff_login
from tests.factories import make_user
from tests.settlement.world import fixture_month, make_brand

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN"),
        ("desktop-zh", {"width": 1280, "height": 800}, False, "zh-CN"),
        ("desktop-en", {"width": 1280, "height": 800}, False, "en-US"),
    ],
)
def test_settlement_pages_at_width(live_server, chromium, shoot, name, viewport, mobile, locale):
    brand = make_brand()
    fixture_month(brand)
    settlement_backfill()
    hq = make_user(Role.HQ_ADMIN)
    period = f"{brand.period:%Y-%m}"

    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = context.new_page()
    staff_login(page, live_server.url, hq.username)

    page.goto(f"{live_server.url}/dashboard/settlement/?period={period}")
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("[data-testid=store-table] tbody tr").count() == 4  # 3 stores and HQ
    assert ("结算" if locale == "zh-CN" else "Settlement") in page.locator("h1").inner_text()
    shoot(page, f"settlement-{name}")

    page.goto(f"{live_server.url}/dashboard/settlement/performance/?period={period}")
    assert page.evaluate(OVERFLOW) <= 0
    row = page.locator(f"[data-assistant={brand.b1.username}]")
    assert row.locator("[data-testid=pickups]").inner_text() == "2"
    shoot(page, f"o2o-performance-{name}")

    page.goto(f"{live_server.url}/dashboard/settlement/rules/")
    assert page.evaluate(OVERFLOW) <= 0
    assert page.locator("[data-testid=rules-table] tbody tr").count() == 8
    shoot(page, f"settlement-rules-{name}")
    context.close()
