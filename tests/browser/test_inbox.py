"""Issue 8's acceptance path in headless Chromium: a follower's complaint, built, signed and
encrypted by wechatpy, is POSTed to the real callback of a live server; it appears in the
agent's inbox within seconds with high priority; the agent picks a canned reply, which
reaches the local fake WeChat server as a customer-service message; a compensation coupon
lands in the member's wallet. Then the member's feedback form with a photo, and the inbox
pages at phone and desktop widths in Chinese and English."""

from __future__ import annotations

import secrets
import time
from urllib.parse import urlencode

import pytest
import requests
import xmltodict
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from wechatpy.crypto import WeChatCrypto

from omniloop.accounts.models import Role
from omniloop.h5.session import MEMBER_KEY
from omniloop.inbox.models import Priority, Ticket, TicketMessage
from omniloop.promotions.models import Coupon
from tests.browser.conftest import staff_login
from tests.factories import make_store, make_user
from tests.images import png_bytes
from tests.inbox.helpers import compensation_template, follower_member
from tests.wechat import conftest as wechat_fixtures
from tests.wechat import wire
from tests.wechat.conftest import AES_KEY, APP_ID, TOKEN

# The service account on the local fake WeChat server (tests/wechat fixtures).
fake_wechat, wechat = wechat_fixtures.fake_wechat, wechat_fixtures.wechat
wechat_safe = wechat_fixtures.wechat_safe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


PNG = png_bytes(48, 32)  # a real (red) PNG, so the browser can draw the photo it is shown


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.OMNILOOP_PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _canned_reply(transactional_db):
    """The reply the agent picks. The data migration seeds it, but a transactional test run
    before this one flushes every table, seeded rows included: make sure it is there."""
    from omniloop.inbox.models import CannedReply

    CannedReply.objects.get_or_create(
        title="皮肤不适：先就医",
        defaults={
            "category": "skin_reaction",
            "body": "非常抱歉！请先停止穿着并尽快就医，医疗费用由我们承担。",
        },
    )


def _wechat_says(base: str, openid: str, text: str) -> None:
    """What WeChat's servers do: a text message, encrypted and signed by wechatpy, over HTTP."""
    ts, nonce = str(int(time.time())), str(secrets.randbelow(10**10))
    xml = wire.text_xml(
        openid=openid, content=text, create_time=int(ts), msg_id=secrets.randbelow(10**12)
    )
    envelope = WeChatCrypto(TOKEN, AES_KEY, APP_ID).encrypt_message(xml, nonce, ts)
    query = wire.plain_query(TOKEN, ts, nonce)
    query.update(encrypt_type="aes", msg_signature=xmltodict.parse(envelope)["xml"]["MsgSignature"])
    r = requests.post(
        f"{base}/wechat/callback?{urlencode(query)}",
        data=envelope.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    assert (r.status_code, r.content) == (200, b"success")


def _member_context(chromium, base, member, **kw):
    session = SessionStore()
    session[MEMBER_KEY] = member.pk
    session.create()
    context = chromium.new_context(**kw)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session.session_key, "url": base}]
    )
    return context


def test_a_wechat_complaint_is_answered_and_compensated(live_server, chromium, shoot, wechat_safe):
    base = live_server.url
    store = make_store("sh01")
    member = follower_member("o-shopper", store)
    template = compensation_template(3000, name="补偿券30元")
    agent = make_user(Role.CS_AGENT)

    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    staff_login(page, base, agent.username)
    page.goto(f"{base}/dashboard/inbox/")
    assert page.locator("[data-testid=ticket-list] li.ticket").count() == 0

    started = time.monotonic()
    _wechat_says(base, "o-shopper", "你们的衬衫让我皮肤过敏发痒，起了红疹")
    row = page.locator("[data-testid=ticket-list] li.ticket").first
    row.wait_for(timeout=10_000)  # the queue refreshes itself every 5 seconds
    appeared = time.monotonic() - started
    assert appeared < 8, appeared
    ticket = Ticket.objects.get()
    assert ticket.priority >= Priority.HIGH
    assert int(row.get_attribute("data-priority")) == ticket.priority
    assert "皮肤过敏" in row.inner_text()
    shoot(page, "inbox-queue-desktop-zh")

    row.locator("a").click()
    page.wait_for_url(f"{base}/dashboard/inbox/{ticket.pk}/")
    page.select_option("[data-canned]", label="皮肤不适：先就医")
    body = page.input_value("#reply-body")
    assert "医疗费用由我们承担" in body
    page.click("[data-testid=send-reply]")
    page.wait_for_url(f"{base}/dashboard/inbox/{ticket.pk}/")
    assert page.locator("[data-testid=msg-out] [data-testid=delivery]").inner_text() == "已发送"
    sent = wechat_safe.calls_to("message/custom/send")
    assert [(c.body["touser"], c.body["text"]["content"]) for c in sent] == [("o-shopper", body)]
    assert TicketMessage.objects.get(direction="out").via == "wechat"

    page.select_option("[data-testid=coupon-form] select[name=template]", str(template.pk))
    page.click("[data-testid=give-coupon]")
    page.wait_for_url(f"{base}/dashboard/inbox/{ticket.pk}/")
    assert page.locator("[data-testid=remedy-granted]").count() == 1
    coupon = Coupon.objects.get()
    assert (coupon.member_id, coupon.source) == (member.pk, "compensation")
    shoot(page, "inbox-ticket-answered-desktop-zh")
    context.close()

    # The member sees the coupon in their wallet (phone width).
    phone = _member_context(
        chromium,
        base,
        member,
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        locale="zh-CN",
    )
    wallet = phone.new_page()
    wallet.goto(f"{base}/m/coupons")
    assert "补偿券30元" in wallet.locator("[data-testid=coupons-usable]").inner_text()
    assert wallet.evaluate(OVERFLOW) <= 0
    shoot(wallet, "inbox-member-wallet-phone-zh")
    phone.close()


@pytest.mark.parametrize(
    ("name", "viewport", "mobile", "locale"),
    [
        ("phone-zh", {"width": 390, "height": 844}, True, "zh-CN"),
        ("desktop-en", {"width": 1280, "height": 800}, False, "en-US"),
    ],
)
def test_feedback_form_and_inbox_pages_at_width(
    live_server, chromium, shoot, tmp_path, name, viewport, mobile, locale
):
    base = live_server.url
    store = make_store("sh01")
    member = follower_member("o-form", store)
    photo = tmp_path / "shirt.png"
    photo.write_bytes(PNG)

    context = _member_context(
        chromium, base, member, viewport=viewport, is_mobile=mobile, locale=locale
    )
    page = context.new_page()
    page.goto(f"{base}/m/feedback")
    page.fill(
        "textarea[name=body]",
        "Washed once and the seam is torn" if "en" in name else "洗了一次就开线了",
    )
    page.set_input_files("input[name=photos]", str(photo))
    page.click("[data-testid=feedback-form] button")
    page.locator("[data-testid=feedback-thanks]").wait_for()
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"inbox-feedback-{name}")
    context.close()
    ticket = Ticket.objects.get()
    assert (ticket.category, ticket.photos.count()) == ("quality", 1)

    staff = chromium.new_context(viewport=viewport, is_mobile=mobile, locale=locale)
    page = staff.new_page()
    manager = make_user(Role.STORE_MANAGER, store)
    staff_login(page, base, manager.username)
    for path, shot in (
        ("/dashboard/inbox/", "queue"),
        (f"/dashboard/inbox/{ticket.pk}/", "ticket"),
        ("/dashboard/inbox/report/", "report"),
        ("/dashboard/inbox/new-note/", "new-note"),
    ):
        page.goto(f"{base}{path}")
        assert page.evaluate(OVERFLOW) <= 0, path
        shoot(page, f"inbox-{shot}-{name}")
    heading = page.locator("h1").inner_text()
    assert heading == ("New store note" if "en" in name else "新建门店记录")
    page.goto(f"{base}/dashboard/inbox/{ticket.pk}/")
    img = page.locator("[data-testid=photo]")
    img.evaluate("img => img.decode()")
    assert img.evaluate("img => img.naturalWidth") == 48  # served to the store's staff
    staff.close()


def test_a_missed_target_escalates_and_shows_in_the_report(live_server, chromium, shoot):
    """The ticket was opened ten minutes ago (its clock set back), nobody answered: the sweep
    escalates it to HQ and marks the breach; the queue and the report show it."""
    from datetime import timedelta

    from omniloop.core import clock
    from omniloop.inbox.escalation import tickets_escalate
    from omniloop.inbox.models import Channel
    from omniloop.inbox.services import Voice, ticket_open
    from tests.factories import make_member, make_product

    base = live_server.url
    store = make_store("sh02")
    product = make_product("JK7")
    ticket = ticket_open(
        voice=Voice(
            channel=Channel.STORE_NOTE,
            body="顾客说衬衫让皮肤过敏，要去医院",
            member_id=make_member().pk,
            store_id=store.pk,
            product_id=product.pk,
            at=clock.now() - timedelta(minutes=10),
        )
    )
    assert tickets_escalate() == 2  # breached, and escalated to HQ
    agent = make_user(Role.CS_AGENT)
    context = chromium.new_context(viewport={"width": 1280, "height": 860}, locale="zh-CN")
    page = context.new_page()
    staff_login(page, base, agent.username)
    page.goto(f"{base}/dashboard/inbox/?escalated=1")
    row = page.locator(f"[data-testid=ticket-{ticket.number}]")
    assert "首次响应已超时" in row.inner_text() and "已升级" in row.inner_text()
    shoot(page, "inbox-escalated-desktop-zh")
    page.goto(f"{base}/dashboard/inbox/report/")
    breach = page.locator("[data-testid=breaches] tr[data-store=sh02][data-category=skin_reaction]")
    assert breach.locator("[data-testid=breach-count]").inner_text() == "1"
    assert "JK7" in page.locator("[data-testid=products]").inner_text()
    shoot(page, "inbox-report-breach-desktop-zh")
    context.close()
