"""The WeChat channel through the real adapter to the local fake WeChat API: a template
message, a rate limit (45009) retried, an unfollowed user surfaced, a died worker not resent."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.messaging import delivery
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue, message_to_follower_enqueue
from omniloop.touchpoints.models import Visitor
from omniloop.wechat.models import WechatFollower
from tests.messaging.conftest import NOON, member_with
from tests.wechat.conftest import fake_wechat, wechat  # noqa: F401 (the fixtures)

pytestmark = pytest.mark.django_db

PROMO = {"brand": "Omni", "title": "上新", "body": "八折"}


@pytest.fixture
def account(settings, wechat):  # noqa: F811
    settings.OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID = "TPL-promo"
    return wechat


def _follow(member, openid: str) -> WechatFollower:
    visitor = Visitor.objects.create(key=str(uuid.uuid4()), member=member, created_at=clock.now())
    return WechatFollower.objects.create(
        openid=openid, member=member, visitor=visitor, subscribed=True, created_at=clock.now()
    )


def _sends(account):
    return account.calls_to("message/template/send")


@freeze_time(NOON)
def test_a_follower_gets_a_template_message(account, sms_outbox):
    member = member_with(consents=("wechat", "sms"))
    _follow(member, "o-1")
    message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
    assert dict(deliver_batch().counts) == {"sent": 1}
    [call] = _sends(account)
    assert call.body["touser"] == "o-1" and call.body["template_id"] == "TPL-promo"
    assert call.body["data"]["remark"] == {"value": "【Omni】上新:八折"}
    row = Message.objects.get()
    assert (row.channel, row.provider_id) == ("wechat", f"wx:{200000 + len(account.calls)}")
    assert sms_outbox == []


def test_a_rate_limit_is_retried_and_an_unfollowed_user_is_surfaced(account):
    with freeze_time(NOON) as frozen:
        member, gone = member_with(consents=("wechat",)), member_with(consents=("wechat",))
        _follow(member, "o-2")
        _follow(gone, "o-3")
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        message_enqueue(member_id=gone.pk, template="promotion", context=PROMO, channel="wechat")
        account.fail("message/template/send", 45009)
        account.fail("message/template/send", 43004)
        assert dict(deliver_batch().counts) == {"retry": 1, "failed": 1}
        rows = list(Message.objects.order_by("id"))
        assert (rows[0].status, rows[0].last_error[:19]) == ("queued", "wechat_rate_limited")
        assert (rows[1].status, rows[1].reason) == ("failed", "provider")
        assert rows[1].last_error.startswith("wechat_not_following")
        frozen.tick(timedelta(minutes=2))
        assert dict(deliver_batch().counts) == {"sent": 1}
    assert len(_sends(account)) == 3


@freeze_time(NOON)
def test_a_worker_that_died_mid_push_is_not_pushed_again(account):
    member = member_with(consents=("wechat",))
    _follow(member, "o-4")
    message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
    delivery.claim_batch(size=5)  # the worker dies after the claim
    with freeze_time(NOON + timedelta(minutes=5)):
        deliver_batch()
    row = Message.objects.get()
    assert (row.status, row.reason) == ("failed", "outcome_unknown")
    assert _sends(account) == []


@freeze_time(NOON)
def test_one_batch_sends_to_a_member_and_to_a_follower_who_has_not_joined(account, sms_outbox):
    member = member_with(consents=(), phone="13800138001")
    guest = _follow(None, "o-guest")
    guest.last_interaction_at = clock.now() - timedelta(hours=1)
    guest.save(update_fields=["last_interaction_at"])
    message_enqueue(
        member_id=member.pk, template="notice", context={"brand": "Omni", "body": "到货"}
    )
    reply = message_to_follower_enqueue(
        openid="o-guest", template="cs_reply", context={"body": "有的"}, dedupe_key="inbox:9"
    )
    result = deliver_batch()
    assert (result.claimed, dict(result.counts)) == (2, {"sent": 2})
    [call] = account.calls_to("message/custom/send")
    assert (call.body["touser"], call.body["text"]["content"]) == ("o-guest", "有的")
    assert [s.to_e164 for s in sms_outbox] == ["+8613800138001"]
    reply.refresh_from_db()
    assert (reply.member_id, reply.channel, reply.status) == (None, "wechat_cs", "sent")
    assert deliver_batch().claimed == 0
