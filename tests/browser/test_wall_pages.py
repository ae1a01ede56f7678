"""Every wall page in headless Chromium at phone (390 px) and desktop (1366 px) widths, in
Chinese and English: the charts draw (ECharts under the Content-Security-Policy), nothing runs
off the side, the console stays clean, the htmx filter swaps the body, and a screenshot of each
is saved under test-artifacts/browser/."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from omniloop.accounts.models import Role
from omniloop.wall.sites import site_areas_import
from tests.browser.conftest import ARTIFACTS, staff_login
from tests.factories import make_user
from tests.wall.world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PERIOD = "from=2026-09-01&to=2026-10-31"
PAGES = {
    "overview": ("/dashboard/wall/", "销售与会员", "Sales and members", 2),
    "funnel": ("/dashboard/wall/funnel/", "漏斗", "Funnel", 1),
    "o2o": ("/dashboard/wall/o2o/", "O2O 业务", "O2O flows", 1),
    "leaders": ("/dashboard/wall/leaders/", "排行榜", "Leaderboards", 2),
    "cohorts": ("/dashboard/wall/cohorts/", "会员留存", "Cohorts", 1),
    "sites": ("/dashboard/wall/sites/", "门店选址", "Site selection", 1),
}


def shoot_dir() -> Any:
    return ARTIFACTS


def _watch(page: Any) -> list[str]:
    """Console errors and warnings, script errors, and failed loads other than the browser's
    own /favicon.ico (the console reports that 404 as a failed resource without its URL)."""
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type in ("error", "warning") and "Failed to load resource" not in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN"),
        ("phone-en", {"width": 390, "height": 844}, True, "en-US"),
        ("desktop-zh", {"width": 1366, "height": 900}, False, "zh-CN"),
        ("desktop-en", {"width": 1366, "height": 900}, False, "en-US"),
    ],
)
def test_wall_pages_at_width(live_server, chromium, shoot, name, viewport, mobile, locale):
    world = build_world(n_members=6)
    # Site selection: Bogotá's store has coordinates, the Shanghai delivery region a centre
    world.bo.latitude, world.bo.longitude = Decimal("4.711000"), Decimal("-74.072100")
    world.bo.save(update_fields=["latitude", "longitude"])
    site_areas_import("region,latitude,longitude\n上海市 静安区,31.229000,121.448000\n")
    hq = make_user(Role.HQ_ADMIN)
    context = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = context.new_page()
    problems = _watch(page)
    staff_login(page, live_server.url, hq.username)
    for key, (path, zh, en, charts) in PAGES.items():
        page.goto(f"{live_server.url}{path}?{PERIOD}")
        # Locator waits poll without eval, which the page's CSP (rightly) refuses
        page.locator(".wall-chart svg").nth(charts - 1).wait_for(state="attached")
        assert page.locator(".wall-chart svg").count() == charts
        assert (zh if locale == "zh-CN" else en) in page.locator("h1").inner_text()
        assert page.evaluate(OVERFLOW) <= 0, key
        shoot(page, f"wall-{key}-{name}")
        page.screenshot(path=str(shoot_dir() / f"wall-{key}-{name}-top.png"))  # first screen
    # The store filter swaps the body through htmx and redraws the charts
    page.goto(f"{live_server.url}/dashboard/wall/?{PERIOD}")
    label = "wbo 波哥大店" if locale == "zh-CN" else "wbo Bogotá"
    page.select_option("[data-testid=filter-store]", label=label)
    page.wait_for_url("**store=*")
    page.locator("[data-testid=table-by_store] tbody tr").first.wait_for()
    page.locator(".wall-chart svg").nth(1).wait_for(state="attached")
    rows = page.locator("[data-testid=table-by_store] tbody tr")
    assert rows.count() == 1
    assert "wbo" in rows.first.inner_text()
    assert problems == []
    context.close()
