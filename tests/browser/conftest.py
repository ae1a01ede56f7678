from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture
def chromium(monkeypatch) -> Iterator[Any]:
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # between page actions are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def shoot():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def _shoot(page: Any, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


def staff_login(page: Any, base_url: str, username: str) -> None:
    """Log in to the dashboard with the factories' password and land on the overview. HQ roles
    take the second step as a person would: the authenticator's code for the secret the
    enrolment page shows (or, once enrolled, for the stored secret)."""
    import pyotp

    from tests.factories import PASSWORD

    page.goto(f"{base_url}/dashboard/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if "/dashboard/login/verify/" in page.url:
        shown = page.locator('[data-testid="2fa-secret"]')
        if shown.count():
            secret = shown.inner_text().strip()
        else:
            from omniloop.accounts.models import StaffTotp
            from omniloop.accounts.totp import totp_secret

            secret = totp_secret(StaffTotp.objects.get(user__username=username))
        page.fill("input[name=code]", pyotp.TOTP(secret).now())
        page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}/dashboard/")
