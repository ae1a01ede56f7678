"""The message log on the member page in headless Chromium, phone and desktop, Chinese and
English: the table scrolls inside its card, the page does not run off the side."""

from __future__ import annotations

from datetime import datetime

import pytest
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.members.services import consent_record
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from tests.browser.conftest import staff_login
from tests.factories import make_member, make_store, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
NOON = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN"),
        ("desktop-en", {"width": 1280, "height": 800}, False, "en-US"),
    ],
)
def test_member_message_log_at_width(live_server, chromium, shoot, name, viewport, mobile, locale):
    store = make_store("sh01")
    assistant = make_user(Role.ASSISTANT, store)
    member = make_member("13800138000", name="王五")
    binding_touch(member=member, store_id=store.pk, assistant_id=assistant.pk, source="scan")
    messaging_profile_set(member=member, email="wang.wu@example.com")
    with freeze_time(NOON):
        consent_record(member=member, channel="sms", granted=True, source="test")
        promo = {"brand": "Omni", "title": "春季上新", "body": "全场八折"}
        for _ in range(3):
            message_enqueue(member_id=member.pk, template="promotion", context=promo)
        message_enqueue(
            member_id=member.pk,
            template="pickup_ready",
            context={"brand": "Omni", "order": "A1001", "store": "静安店", "code": "4321"},
        )
        deliver_batch()

    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = context.new_page()
    staff_login(page, live_server.url, assistant.username)
    page.goto(f"{live_server.url}/dashboard/members/{member.pk}/#messages")
    assert page.evaluate(OVERFLOW) <= 0
    log = page.locator("[data-testid=message-log] tbody tr")
    assert log.count() == 4
    text = page.locator("#messages").inner_text()
    assert ("已达频次上限" if locale == "zh-CN" else "frequency cap") in text
    assert "wang.wu@example.com" not in page.content()
    page.locator("#messages").scroll_into_view_if_needed()
    shoot(page, f"member-messages-{name}")
    context.close()
