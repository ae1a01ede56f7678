"""The two-step sign-in page an HQ account meets: enrolment with a QR code at phone and desktop
widths, in both languages, under the CSP with no console error; the code signs the user in."""

from __future__ import annotations

import pyotp
import pytest

from omniloop.accounts.models import Role
from tests.browser.test_csp_and_audit_page import _watch
from tests.factories import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("lang", "width"), [("zh-hans", 390), ("en", 1366)])
def test_enrolment_page_then_signed_in(chromium, live_server, shoot, lang, width):
    user = make_user(Role.HQ_ADMIN)
    context = chromium.new_context(viewport={"width": width, "height": 900})
    context.add_cookies([{"name": "django_language", "value": lang, "url": live_server.url}])
    page = context.new_page()
    problems = _watch(page)
    page.goto(f"{live_server.url}/dashboard/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/login/verify/")
    assert page.locator('[data-testid="2fa-qr"] svg').is_visible()
    heading = page.locator("h1").inner_text()
    assert heading == ("两步登录" if lang == "zh-hans" else "Two-step sign-in")
    shoot(page, f"two-factor-enrol-{lang}-{width}")
    secret = page.locator('[data-testid="2fa-secret"]').inner_text().strip()
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert problems == []
    context.close()
