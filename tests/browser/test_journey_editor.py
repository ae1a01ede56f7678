"""The journey editor in headless Chromium: choosing a step's kind shows only that kind's
fields, and a field typed before the kind changed is not submitted."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.campaigns.models import JourneyStep
from omniloop.campaigns.playbooks import campaign_from_playbook
from tests.browser.conftest import staff_login
from tests.campaigns.helpers import actors, coupon_template
from tests.factories import make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
FIELDS = ("wait", "condition", "negate", "rule", "coupon", "title", "body")
SHOWN = {
    "": (),
    "wait": ("wait",),
    "condition": ("condition", "negate", "rule"),
    "send": ("coupon", "title", "body"),
    "end": (),
}


def test_fields_follow_the_kind(live_server, chromium, shoot):
    marketer, _ = actors()
    c = campaign_from_playbook(
        actor=marketer, key="welcome-series", coupon_template=coupon_template()
    )
    before = JourneyStep.objects.filter(campaign=c).count()
    user = make_user(Role.MARKETER)
    page = chromium.new_context(viewport={"width": 1280, "height": 900}).new_page()
    staff_login(page, live_server.url, user.username)
    page.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/journey/")
    row = before  # the first empty row
    for kind, shown in SHOWN.items():
        page.select_option(f"[data-testid=kind-{row}]", kind)
        visible = {f for f in FIELDS if page.locator(f"[data-testid={f}-{row}]").is_visible()}
        assert visible == set(shown), kind
    page.select_option(f"[data-testid=kind-{row}]", "send")
    page.fill(f"[data-testid=title-{row}]", "typed, then the kind changed")
    page.select_option(f"[data-testid=kind-{row}]", "wait")
    page.fill(f"[data-testid=wait-{row}]", "5")
    shoot(page, "journey-editor")
    page.click("[data-testid=save-journey]")
    page.wait_for_url(f"{live_server.url}/dashboard/campaigns/{c.pk}/")
    added = JourneyStep.objects.filter(campaign=c).order_by("position").last()
    assert added is not None and added.kind == "wait" and added.wait_hours == 5
    assert added.title == ""
