"""The growth pages in headless Chromium: a member's referral page (poster QR, link, status)
at phone width in Chinese and English, a friend joining through the link, and HQ's lottery
page drawn from the browser, at desktop and phone widths. No horizontal overflow, no console
errors (CSP included)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.growth.lottery import LotteryInput, lottery_create, lottery_enter
from omniloop.growth.models import Lottery, Referral
from tests.browser.conftest import staff_login
from tests.factories import make_member, make_user
from tests.promotions.coupon_helpers import make_template

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = {"viewport": {"width": 390, "height": 844}}


def _watch(page, errors: list[str]) -> None:
    """Console errors on the growth pages (the member card page reached after joining is
    another app's and has its own tests)."""

    def mine() -> bool:
        return any(p in page.url for p in ("/m/refer", "/m/r/", "/dashboard/growth/"))

    page.on(
        "console",
        lambda m: (
            errors.append(f"{page.url}: {m.text[:80]}") if m.type == "error" and mine() else None
        ),
    )
    page.on("pageerror", lambda e: errors.append(str(e)) if mine() else None)


def _join(page, phone: str, sms_outbox) -> None:
    page.fill("[data-testid=phone]", phone)
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=otp-status].is-ok")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.fill("[data-testid=code]", code)
    page.check("[data-testid=terms]")
    page.click("[data-testid=join-submit]")


def test_referral_page_and_a_friend_joining_through_it(live_server, chromium, shoot, sms_outbox):
    base = live_server.url
    errors: list[str] = []
    me = chromium.new_context(**PHONE, locale="zh-CN").new_page()
    _watch(me, errors)
    me.goto(f"{base}/m/refer")
    me.wait_for_url(f"{base}/m/join")
    _join(me, "13512340001", sms_outbox)
    me.wait_for_url(f"{base}/m/refer")
    assert me.locator("[data-testid=refer-qr] svg").count() == 1
    link = me.locator("[data-testid=refer-link]").input_value()
    assert "/m/r/" in link
    assert me.evaluate(OVERFLOW) <= 0

    friend = chromium.new_context(**PHONE, locale="zh-CN").new_page()
    _watch(friend, errors)
    friend.goto(base + link[link.index("/m/r/") :])
    assert friend.locator("[data-testid=referral-landing]").count() == 1
    shoot(friend, "growth-referral-landing-390-zh")
    friend.click("[data-testid=referral-join]")
    _join(friend, "13512340002", sms_outbox)
    friend.wait_for_url(f"{base}/m/card")
    assert Referral.objects.get().status == "joined"

    me.reload()
    assert "等待首单" in me.locator("[data-testid=refer-status]").inner_text()
    shoot(me, "growth-refer-390-zh")
    en = chromium.new_context(**PHONE, locale="en-US")
    en.add_cookies(me.context.cookies())
    page = en.new_page()
    _watch(page, errors)
    page.goto(f"{base}/m/refer")
    assert "waiting for a first purchase" in page.locator("[data-testid=refer-status]").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "growth-refer-390-en")
    assert errors == []


def test_lottery_page_drawn_from_the_dashboard(live_server, chromium, shoot):
    base = live_server.url
    now = clock.now()
    lot = lottery_create(
        data=LotteryInput(
            title="开业关注抽奖",
            title_en="Opening follow-to-win",
            coupon_template_id=make_template(name="满300减50").pk,
            winners=3,
            opens_at=now - timedelta(hours=2),
            closes_at=now + timedelta(hours=1),
            requires_follow=False,
        )
    )
    for _ in range(8):
        lottery_enter(lottery_id=lot.pk, member=make_member(), at=now - timedelta(minutes=30))
    Lottery.objects.filter(pk=lot.pk).update(closes_at=now - timedelta(minutes=1))
    make_user(Role.MARKETER, username="growth-marketer")
    errors: list[str] = []
    page = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
    _watch(page, errors)
    staff_login(page, base, "growth-marketer")
    page.goto(f"{base}/dashboard/growth/lotteries/{lot.pk}/")
    assert page.locator("[data-testid=seed-hash]").inner_text() == lot.seed_hash
    page.click("[data-testid=draw]")
    page.wait_for_selector("[data-testid=winners-table]")
    assert page.locator("[data-testid=winners-table] tbody tr").count() == 3
    assert "已验证" in page.locator("[data-testid=verification]").inner_text()
    shoot(page, "growth-lottery-desktop-zh")
    phone = chromium.new_context(**PHONE, locale="en-US")
    phone.add_cookies(page.context.cookies())
    p = phone.new_page()
    _watch(p, errors)
    p.goto(f"{base}/dashboard/growth/lotteries/{lot.pk}/")
    assert "Verified" in p.locator("[data-testid=verification]").inner_text()
    shoot(p, "growth-lottery-390-en")
    assert p.evaluate(OVERFLOW) <= 0
    shoot(p, "growth-lottery-390-en")
    p.goto(f"{base}/dashboard/growth/lotteries/")
    assert p.evaluate(OVERFLOW) <= 0
    shoot(p, "growth-lotteries-390-en")
    assert errors == []
