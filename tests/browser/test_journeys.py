"""The journey editor in headless Chromium (ADR 35): a marketer drafts the welcome series from
its playbook (phone, Chinese), opens the journey editor, changes the wait and adds an end step;
an HQ admin (desktop, English) sees the steps, approves and sends; members join, the periodic
job walks them and the campaign page shows the per-step counts. Screenshots at each step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign, JourneyStep
from omniloop.campaigns.report import campaigns_due
from omniloop.core import clock
from omniloop.members.models import Member
from tests.browser.conftest import staff_login
from tests.campaigns.helpers import coupon_template, make_members
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "locale": "en-US"}


def test_the_journey_editor_and_per_step_counts(live_server, chromium, shoot):
    template = coupon_template(name="欢迎券")
    marketer = make_user(Role.MARKETER)
    admin = make_user(Role.HQ_ADMIN)

    phone = chromium.new_context(**PHONE).new_page()
    staff_login(phone, live_server.url, marketer.username)
    phone.goto(f"{live_server.url}/dashboard/campaigns/new/?playbook=welcome-series")
    assert phone.is_checked("[data-testid=playbook-welcome-series]")
    phone.select_option("[data-testid=coupon-template]", str(template.pk))
    assert "触发式" in phone.inner_text("[data-testid=schedule]")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "campaign-new-schedule-phone-zh")
    phone.click("[data-testid=save-draft]")
    phone.wait_for_load_state()
    c = Campaign.objects.get()
    assert c.schedule == "triggered" and c.trigger == "joined"
    assert "欢迎加入" in phone.inner_text("[data-testid=journey-counts]")
    phone.click("[data-testid=edit-journey]")
    phone.wait_for_load_state()
    assert phone.input_value("[data-testid=wait-1]") == "72"
    assert "等待" in phone.inner_text("[data-testid=journey-step-1]")  # the step kinds in Chinese
    phone.fill("[data-testid=wait-1]", "48")
    phone.select_option("[data-testid=kind-4]", "end")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "journey-editor-phone-zh")
    phone.click("[data-testid=save-journey]")
    phone.wait_for_load_state()
    steps = list(JourneyStep.objects.filter(campaign=c).values_list("kind", "wait_hours"))
    assert steps == [("send", 0), ("wait", 48), ("condition", 0), ("send", 0), ("end", 0)]
    phone.click("[data-testid=submit]")
    phone.wait_for_load_state()

    desk = chromium.new_context(**DESKTOP).new_page()
    staff_login(desk, live_server.url, admin.username)
    desk.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/journey/")
    assert "Wait" in desk.inner_text("[data-testid=journey-step-1]")
    shoot(desk, "journey-editor-desktop-en")
    desk.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/")
    desk.click("[data-testid=approve]")
    desk.wait_for_load_state()
    desk.click("[data-testid=send]")
    desk.wait_for_load_state()
    c.refresh_from_db()
    assert c.status == Campaign.Status.RUNNING

    now = clock.now() + timedelta(minutes=1)
    ids = make_members(30)
    Member.objects.filter(pk__in=ids).update(joined_at=now)
    campaigns_due(at=now)
    desk.reload()
    table = desk.inner_text("[data-testid=journey-counts]")
    rows = desk.locator("[data-testid=journey-counts] tbody tr")
    assert rows.count() == 5
    sent_first = int(rows.nth(0).locator("td").nth(5).inner_text())
    waited = int(rows.nth(1).locator("td").nth(3).inner_text())
    assert sent_first > 0 and waited == sent_first
    assert int(rows.nth(2).locator("td").nth(2).inner_text()) == sent_first  # waiting at step 3
    assert "Wait 48h" in table
    assert desk.evaluate(OVERFLOW) <= 0
    shoot(desk, "journey-counts-desktop-en")
