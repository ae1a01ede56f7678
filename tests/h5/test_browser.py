"""The join flow in headless Chromium: htmx sends the code (CSRF header included) and swaps the
status in; the form then joins and shows the card."""

from __future__ import annotations

import re

import pytest

from omniloop.accounts.models import Role
from omniloop.members.models import Member
from tests.factories import make_store, make_touchpoint, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
        yield context.new_page()
        browser.close()


def test_join_in_a_browser(live_server, page, sms_outbox) -> None:
    store = make_store(name="静安店", name_en="Jing'an")
    assistant = make_user(Role.ASSISTANT, store=store)
    assistant.display_name = "Lily"
    assistant.save(update_fields=["display_name"])
    tp = make_touchpoint("assistant_card", store=store, assistant=assistant)

    page.goto(f"{live_server.url}/s/{tp.scene}")
    assert page.inner_text("[data-testid=assistant-name]") == "Lily"
    page.click("[data-testid=cta-join]")

    page.fill("[data-testid=phone]", "12345")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=otp-status] [data-testid=error-code]")
    assert page.inner_text("[data-testid=error-code]") == "phone_invalid"

    page.fill("[data-testid=phone]", "13812345678")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=otp-status].is-ok")
    assert "138****5678" in page.inner_text("[data-testid=otp-status]")
    page.wait_for_function("document.querySelector('[data-testid=send-code]').disabled")

    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.fill("[data-testid=code]", code)
    page.check("[data-testid=consent-wechat]")
    page.check("[data-testid=terms]")
    page.click("[data-testid=join-submit]")
    page.wait_for_url(f"{live_server.url}/m/card")

    member = Member.objects.get()
    assert page.inner_text("[data-testid=member-code]") == member.code
    assert page.inner_text("[data-testid=bound-assistant]") == "Lily"
    assert page.locator("[data-testid=member-qr] svg").count() == 1
    assert page.locator("[data-testid=member-barcode] svg").count() == 1

    page.click("[data-testid=language-switch] button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.inner_text("[data-testid=bound-store]") == "Jing'an"
