"""Under the Content-Security-Policy the main pages load with no violation in the console
(htmx included), and the audit page reads well at phone and desktop widths."""

from __future__ import annotations

from typing import Any

import pytest

from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.touchpoints.models import Touchpoint
from tests.browser.conftest import staff_login
from tests.factories import make_member, make_product, make_store, make_touchpoint, make_user
from tests.promotions.flash_helpers import make_flash_sale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PAGES = [
    "/dashboard/",
    "/dashboard/members/",
    "/dashboard/stores/",
    "/dashboard/staff/",
    "/dashboard/products/",
    "/dashboard/collections/",
    "/dashboard/touchpoints/",
    "/dashboard/promotions/offers/",
    "/dashboard/promotions/coupons/",
    "/dashboard/promotions/flash/",
    "/dashboard/consistency/",
    "/dashboard/settings/",
    "/dashboard/tokens/",
    "/dashboard/audit/",
]


def _watch(page: Any) -> list[str]:
    """Console errors and warnings and script errors, minus failed loads (a 403 shown on purpose,
    the browser asking for /favicon.ico), which say nothing about the policy."""
    problems: list[str] = []

    def console(message: Any) -> None:
        if message.type in ("error", "warning") and "Failed to load resource" not in message.text:
            problems.append(message.text)

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status == 404 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


def test_no_csp_violation_on_the_main_pages(live_server, chromium):
    store = make_store("sh01")
    member = make_member("13800138001")
    binding_touch(member=member, store_id=store.pk, assistant_id=None, source="scan")
    make_product("JK100", price="1299.00")
    make_flash_sale(stock=10)
    card = make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=store)
    hq = make_user(Role.HQ_ADMIN)
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    staff_login(page, live_server.url, hq.username)
    for path in [*PAGES, f"/dashboard/members/{member.pk}/", "/dashboard/stores/sh01/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 200, path
        assert "Content-Security-Policy" in {k.title(): v for k, v in response.headers.items()}
        # The nonce'd inline script ran: the js class is on <html>.
        assert page.evaluate("document.documentElement.classList.contains('js')"), path
    # An htmx request works under the policy too.
    page.goto(f"{live_server.url}/dashboard/members/{member.pk}/")
    page.click("[data-testid=reveal-phone]")
    page.wait_for_selector("text=+86 138 0013 8001")
    # The shopper's side: scan landing, a product page (prices, tags) and the join page.
    page.goto(f"{live_server.url}/s/{card.scene}")
    assert page.goto(f"{live_server.url}/m/p/JK100").status == 200
    page.goto(f"{live_server.url}/m/join")
    context.close()
    assert not problems, problems


@pytest.mark.parametrize(
    ("name", "viewport", "mobile"),
    [
        ("phone", {"width": 390, "height": 844}, True),
        ("desktop", {"width": 1280, "height": 800}, False),
    ],
)
def test_audit_page_at_width(live_server, chromium, shoot, name, viewport, mobile):
    store = make_store("sh01")
    member = make_member("13800138001")
    binding_touch(member=member, store_id=store.pk, assistant_id=None, source="scan")
    hq = make_user(Role.HQ_ADMIN)
    hq.display_name = "总部 王敏"
    hq.save(update_fields=["display_name"])
    marketer = make_user(Role.MARKETER)
    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale="zh-CN")
    page = context.new_page()
    problems = _watch(page)
    # A refusal (a marketer opening a full number) and a reveal by the HQ admin.
    staff_login(page, live_server.url, marketer.username)
    page.goto(f"{live_server.url}/dashboard/audit/")
    page.context.clear_cookies()
    staff_login(page, live_server.url, hq.username)
    page.goto(f"{live_server.url}/dashboard/members/{member.pk}/")
    page.click("[data-testid=reveal-phone]")
    page.wait_for_selector("text=+86 138 0013 8001")
    page.goto(f"{live_server.url}/dashboard/audit/")
    table = page.locator("[data-testid=audit-table]")
    text = table.inner_text()
    assert "member.phone_reveal" in text and "dashboard.denied" in text and "auth.login" in text
    assert "13800138001" not in page.content() and "0013 8001" not in page.content()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"audit-{name}")
    page.fill("input[name=action]", "member.")
    page.click("[data-testid=audit-filters] button[type=submit]")
    page.wait_for_url("**/audit/?*action=member.*")
    assert table.locator("tbody tr").count() == 1
    assert page.evaluate(OVERFLOW) <= 0
    context.close()
    assert not problems, problems
