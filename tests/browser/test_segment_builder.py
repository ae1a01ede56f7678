"""The segment builder in headless Chromium, in Chinese on a phone and English on a desktop:
the live count follows the conditions and equals the rule's count, nothing runs off the page."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.insights.features import features_rebuild
from omniloop.insights.selectors import segment_count
from omniloop.insights.services import segments_install_ready_made
from tests.browser.conftest import staff_login
from tests.factories import make_user
from tests.insights.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale", "word"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN", "人群"),
        ("desktop-en", {"width": 1280, "height": 900}, False, "en-US", "Segment builder"),
    ],
)
def test_builder_live_count(live_server, chromium, shoot, name, viewport, mobile, locale, word):
    build_world(seed=5, members=20, orders=80)
    features_rebuild()
    segments_install_ready_made()  # a transactional test flushes the migration's rows
    user = make_user(Role.MARKETER)
    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = context.new_page()
    staff_login(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/dashboard/segments/builder/")
    assert word in page.content()
    page.select_option("#id_c0_field", "orders_total")
    page.select_option("#id_c0_op", ">=")
    page.fill("#id_c0_value", "2")
    rule = {"field": "orders_total", "op": ">=", "value": 2}
    expected, _ = segment_count(rule)
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("[data-testid=count-value]")).to_have_text(str(expected))
    page.select_option("#id_p_mode", "did")
    page.fill("#id_p_category", "coffee")
    page.check("input[name=p_weekdays][value='6']")
    both = {"all": [rule, {"purchased": {"category": ["coffee"], "weekdays": [6]}}]}
    expected_both, _ = segment_count(both)
    expect(page.locator("[data-testid=count-value]")).to_have_text(str(expected_both))
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"segment-builder-{name}")
    page.goto(f"{live_server.url}/dashboard/segments/")
    assert page.locator("[data-testid=segments-table] tbody tr").count() == 18
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"segments-{name}")
