"""The assistant's workbench in headless Chromium at phone width (and desktop) in Chinese and
English: tasks, members (masked), a member's page with a share, the QR card, performance. No
console errors (CSP included), nothing runs off the side of the page."""

from __future__ import annotations

from datetime import date

import pytest

from omniloop.core import clock
from omniloop.messaging.models import Message
from omniloop.workbench.models import FollowUpDone
from omniloop.workbench.tasks import store_today
from tests.browser.conftest import staff_login
from tests.factories import make_product
from tests.promotions.coupon_helpers import make_template
from tests.workbench.world import make_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN"),
        ("phone-en", {"width": 390, "height": 844}, True, "en-US"),
        ("desktop-zh", {"width": 1280, "height": 800}, False, "zh-CN"),
        ("desktop-en", {"width": 1280, "height": 800}, False, "en-US"),
    ],
)
def test_workbench_pages(live_server, chromium, shoot, name, viewport, mobile, locale):
    from omniloop.workbench.sharing import shareable_coupon_set

    w = make_world()
    today = store_today(w.a.pk, clock.now())
    w.m1.birth_date = date(1990, today.month, min(today.day, 28))
    w.m1.save(update_fields=["birth_date"])
    make_product("WB900")
    template = make_template(name="导购专享券", per_member_limit=5)
    shareable_coupon_set(actor=w.actor(w.hq), template_id=template.pk, monthly_cap=3, active=True)

    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = context.new_page()
    errors: list[str] = []
    # Console errors and warnings (a CSP violation is one), script errors, and any 4xx/5xx
    # response but the browser's own /favicon.ico request (its failed load is the console's
    # "Failed to load resource" line, left out for that reason).
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type in ("error", "warning") and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    staff_login(page, live_server.url, w.a1.username)
    zh = locale == "zh-CN"

    page.goto(f"{live_server.url}/dashboard/workbench/")
    assert ("跟进任务" if zh else "Follow-up tasks") in page.locator("h1").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    birthdays = page.locator("[data-testid=tasks-birthday] [data-testid=task]")
    if today.day <= 28:
        assert birthdays.count() == 1
    shoot(page, f"workbench-tasks-{name}")
    if today.day <= 28:
        birthdays.first.locator("summary").click()
        birthdays.first.locator("textarea").fill("祝福了" if zh else "Called")
        birthdays.first.locator("[data-testid=task-done]").click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=tasks-birthday] [data-testid=task]").count() == 0
        assert FollowUpDone.objects.count() == 1

    page.click("[data-testid=tab-members]")
    page.wait_for_load_state()
    rows = page.locator("[data-testid=member-row]")
    assert rows.count() == 1
    assert rows.first.locator("[data-testid=phone]").inner_text() == "138****1111"
    assert "13800001111" not in page.content()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"workbench-members-{name}")

    rows.first.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=phone]").inner_text() == "138****1111"
    page.fill("[data-testid=style-code]", "WB900")
    page.click("[data-testid=share-product-send]")
    page.wait_for_load_state()
    assert Message.objects.filter(template="workbench_product", member=w.m1).count() == 1
    page.locator("[data-testid=share-coupon] input[type=radio]").first.check()
    page.click("[data-testid=share-coupon-send]")
    page.wait_for_load_state()
    assert page.locator(".alert").count() >= 1
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"workbench-member-{name}")

    page.click("[data-testid=tab-card]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=qr-card] svg").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"workbench-card-{name}")

    page.click("[data-testid=tab-performance]")
    page.wait_for_load_state()
    assert page.locator("[data-testid=performance]").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"workbench-performance-{name}")

    assert errors == []
    context.close()
