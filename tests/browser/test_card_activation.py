"""The membership card's activation URL in headless Chromium, as WeChat opens it (ADR 31):
activated at phone width in Chinese, a forged link refused with its code in English; both
without horizontal overflow."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from omniloop.accounts.models import Role
from omniloop.touchpoints.models import Touchpoint
from omniloop.wechat.cards import card_outer_str
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.wechat import conftest as wechat_fixtures

fake_wechat, wechat = wechat_fixtures.fake_wechat, wechat_fixtures.wechat
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def test_activation_page_at_phone_width_and_a_refusal_in_english(
    live_server, chromium, shoot, wechat
):
    store = make_store("sh01")
    tp = make_touchpoint(
        Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=make_user(Role.ASSISTANT, store)
    )
    member = make_member()
    wechat.card_give(card_id="pCARD", code="880", openid="o-browser", encrypt_code="ENC8")
    query = {
        "card_id": "pCARD",
        "encrypt_code": "ENC8",
        "outer_str": card_outer_str(scene=tp.scene, member_id=member.pk),
    }
    phone = chromium.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = phone.new_page()
    page.goto(f"{live_server.url}/m/card/activate?{urlencode(query)}")
    assert "会员卡已激活" in page.locator("[data-testid=card-activated]").inner_text()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "card-activated-390-zh")
    assert wechat.card_activated == {"880": member.code}

    desktop = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = desktop.new_page()
    page.goto(f"{live_server.url}/m/card/activate?{urlencode({**query, 'outer_str': 'x:y'})}")
    assert page.locator("[data-testid=error-code]").inner_text() == "card_token_invalid"
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, "card-refused-desktop-en")
