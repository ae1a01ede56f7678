"""WeChat at once on PostgreSQL: the permanent-code cap never passed, one code per touchpoint,
one row per retried callback, one follower per openid, never more one-time subscription notices
than the follower accepted."""

from __future__ import annotations

import uuid

import pytest

from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.touchpoints.models import Touchpoint, Visitor
from omniloop.wechat.callback import callback_accept
from omniloop.wechat.models import WechatFollower, WechatInbound, WechatQrCode, WechatSubscription
from omniloop.wechat.qrcodes import permanent_codes_used, wechat_qrcode_create
from omniloop.wechat.subscriptions import subscription_record, wechat_subscription_send
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.wechat import wire
from tests.wechat.fake_server import FakeWechat
from tests.wechat.helpers import now_ts

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
TOKEN = "race-token"


@pytest.fixture
def fake(settings):
    server = FakeWechat(app_id="wx-race", secret="race-secret").start()
    settings.OMNILOOP_WECHAT_APP_ID = server.app_id
    settings.OMNILOOP_WECHAT_APP_SECRET = server.secret
    settings.OMNILOOP_WECHAT_API_BASE = server.url
    settings.OMNILOOP_WECHAT_TOKEN = TOKEN
    settings.OMNILOOP_WECHAT_AES_KEY = ""
    yield server
    server.stop()


def test_twenty_codes_asked_at_once_never_pass_the_cap(fake, settings):
    settings.OMNILOOP_WECHAT_PERMANENT_QR_CAP = 5
    store = make_store()
    tps = [make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=store) for _ in range(20)]
    results = run_at_once(
        20, lambda i: wechat_qrcode_create(touchpoint_id=tps[i].pk, permanent=True)
    )
    assert outcomes(results) == {"ok": 5, "wechat_qr_cap_reached": 15}
    assert WechatQrCode.objects.count() == permanent_codes_used(app_id="wx-race") == 5
    assert len(fake.calls_to("qrcode/create")) == 5
    # Twenty workers needing a token at once fetched one between them (one fetch at a time).
    assert len(fake.calls_to("token")) == 1


def test_one_touchpoint_asked_ten_times_at_once_gets_one_code_and_one_slot(fake):
    store = make_store()
    card = make_touchpoint(
        Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=make_user(Role.ASSISTANT, store)
    )
    results = run_at_once(10, lambda _: wechat_qrcode_create(touchpoint_id=card.pk, permanent=True))
    assert outcomes(results) == {"ok": 10}
    assert len({r.id for r in results}) == 1
    assert WechatQrCode.objects.count() == permanent_codes_used(app_id="wx-race") == 1


def _query() -> dict[str, str]:
    ts = str(now_ts())
    return wire.plain_query(TOKEN, ts, "n1")


def test_a_message_delivered_ten_times_at_once_is_recorded_once(fake):
    xml = wire.text_xml(openid="o-race", content="hi", create_time=now_ts(), msg_id=31337)
    results = run_at_once(10, lambda _: callback_accept(query=_query(), body=xml.encode()))
    assert sum(r is not None for r in results) == 1
    assert WechatInbound.objects.count() == 1
    assert WechatFollower.objects.count() == 1


def test_ten_events_of_a_new_follower_at_once_make_one_follower(fake):
    t = now_ts()
    bodies = [
        wire.text_xml(openid="o-new", content=str(i), create_time=t, msg_id=5000 + i).encode()
        for i in range(10)
    ]
    results = run_at_once(10, lambda i: callback_accept(query=_query(), body=bodies[i]))
    assert all(r is not None for r in results), results
    assert WechatInbound.objects.filter(processed_at__isnull=False).count() == 10
    assert WechatFollower.objects.count() == Visitor.objects.count() == 1


def test_eight_senders_and_three_accepts_send_three_notices(fake):
    """One-time subscriptions (ADR 39): parallel senders never spend one credit twice."""
    member = make_member()
    visitor = Visitor.objects.create(key=str(uuid.uuid4()), member=member, created_at=clock.now())
    follower = WechatFollower.objects.create(
        openid="o-race", member=member, visitor=visitor, subscribed=True, created_at=clock.now()
    )
    for _ in range(3):
        subscription_record(
            follower=follower,
            template_id="SUB-race",
            state="accepted",
            source="popup",
            at=clock.now(),
        )
    results = run_at_once(
        8,
        lambda i: wechat_subscription_send(
            openid="o-race", template_id="SUB-race", data={"thing1": f"n{i}"}
        ),
    )
    assert outcomes(results) == {"ok": 3, "wechat_sub_refused": 5}
    assert len(fake.calls_to("message/subscribe/bizsend")) == 3
    assert WechatSubscription.objects.get(template_id="SUB-race").credits == 0
