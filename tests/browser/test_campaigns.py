"""A campaign in headless Chromium, end to end: a marketer creates it from a playbook (phone,
Chinese), an HQ admin approves and sends it (desktop, English), the worker sends its messages
to the fake SMS gateway, a member redeems the coupon at the till (POST /api/v1/pos/sales) and
the report shows the redemption. Screenshots at each step; nothing runs off the page."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign, CampaignMember
from omniloop.insights.features import features_rebuild
from omniloop.messaging.delivery import deliver_due
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon, Redemption
from tests.api.helpers import post_json, sale_body
from tests.browser.conftest import staff_login
from tests.campaigns.helpers import coupon_template
from tests.factories import make_user
from tests.messaging.conftest import member_with, sms_gateway  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "zh-CN"}
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "is_mobile": False, "locale": "en-US"}


def test_playbook_to_till_redemption_in_the_report(
    live_server,
    chromium,
    shoot,
    sms_gateway,  # noqa: F811
    till,
    client,
    settings,
):
    settings.OMNILOOP_MESSAGING_QUIET_HOURS = (0, 0)  # whatever the hour the suite runs at
    members = [member_with(consents=("sms",)) for _ in range(40)]
    features_rebuild()
    template = coupon_template(name="欢迎券")
    marketer = make_user(Role.MARKETER)
    admin = make_user(Role.HQ_ADMIN)

    phone = chromium.new_context(**PHONE).new_page()
    staff_login(phone, live_server.url, marketer.username)
    phone.goto(f"{live_server.url}/dashboard/campaigns/new/")
    assert "新建活动" in phone.content() or "活动" in phone.content()
    phone.check("[data-testid=playbook-welcome]")
    phone.select_option("[data-testid=coupon-template]", str(template.pk))
    phone.fill("[data-testid=max-coupons]", "100")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "campaign-new-phone-zh")
    phone.click("[data-testid=save-draft]")
    phone.click("[data-testid=submit]")
    phone.wait_for_load_state()
    c = Campaign.objects.get()
    assert c.status == Campaign.Status.PENDING and c.playbook == "welcome"
    assert phone.locator("[data-testid=approve]").count() == 0  # a marketer cannot approve
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "campaign-pending-phone-zh")

    desk = chromium.new_context(**DESKTOP).new_page()
    errors: list[str] = []
    desk.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    desk.on("pageerror", lambda e: errors.append(str(e)))
    staff_login(desk, live_server.url, admin.username)
    desk.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/")
    desk.click("[data-testid=approve]")
    desk.wait_for_load_state()
    desk.click("[data-testid=send]")
    desk.wait_for_load_state()
    c.refresh_from_db()
    assert c.status == Campaign.Status.RUNNING
    treated = list(CampaignMember.objects.filter(campaign=c, group="treated", state="sent"))
    assert treated and len(treated) == Coupon.objects.filter(template=template).count()

    deliver_due(max_seconds=10)
    assert len(sms_gateway.delivered) == len(treated)
    assert Message.objects.filter(cause=f"campaign:{c.pk}", status="sent").count() == len(treated)

    winner = next(m for m in members if m.pk == treated[0].member_id)
    coupon = Coupon.objects.get(pk=treated[0].coupon_id)
    body = sale_body(
        "R-CAMP-1", member_code=winner.code, coupon_codes=[coupon.code], total="349.00"
    )
    body["lines"] = [{"sku": "JK100-M", "quantity": 1}]
    r = post_json(
        client, "/api/v1/pos/sales", body, HTTP_IDEMPOTENCY_KEY="campaign-sale-1", **till.auth
    )
    assert r.status_code == 201, r.content
    assert Redemption.objects.filter(coupon=coupon).count() == 1

    desk.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/")
    assert desk.locator("[data-testid=report-provisional]").count() == 1
    assert desk.locator("[data-testid=redeemed]").inner_text() == "1"
    assert desk.locator("[data-testid=discount-cost]").inner_text() == "50.00"
    assert "sh01" in desk.content()  # the store the redemption is credited to
    desk.wait_for_load_state("networkidle")
    assert errors == []
    desk.wait_for_selector("[data-testid=chart-funnel] canvas")
    assert desk.evaluate(OVERFLOW) <= 0
    shoot(desk, "campaign-report-desktop-en")

    phone.goto(f"{live_server.url}/dashboard/campaigns/{c.pk}/")
    phone.wait_for_selector("[data-testid=chart-funnel] canvas")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "campaign-report-phone-zh")
    phone.goto(f"{live_server.url}/dashboard/campaigns/")
    assert phone.evaluate(OVERFLOW) <= 0
    shoot(phone, "campaign-list-phone-zh")
