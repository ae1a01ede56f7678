"""WeChat's delivery receipts (TEMPLATESENDJOBFINISH) through the real callback, encrypted and
signed by wechatpy as WeChat does: the outbox message sent under that msgid becomes delivered,
or failed with the reason (user block, system failure); repeats and strangers change nothing."""

from __future__ import annotations

import itertools
import uuid

import pytest

from omniloop.core import clock
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import message_enqueue
from omniloop.touchpoints.models import Visitor
from omniloop.wechat.models import WechatFollower, WechatInbound
from tests.messaging.conftest import member_with
from tests.wechat.conftest import AES_KEY, fake_wechat, wechat  # noqa: F401 (the fixtures)
from tests.wechat.helpers import now_ts, post_safe

pytestmark = pytest.mark.django_db
_times = itertools.count(1)


@pytest.fixture
def account(settings, wechat):  # noqa: F811
    settings.OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID = "TPL-notice"
    settings.OMNILOOP_WECHAT_AES_KEY = AES_KEY
    return wechat


def _sent_to(openid: str) -> Message:
    member = member_with()
    visitor = Visitor.objects.create(key=str(uuid.uuid4()), member=member, created_at=clock.now())
    WechatFollower.objects.create(
        openid=openid, member=member, visitor=visitor, subscribed=True, created_at=clock.now()
    )
    message_enqueue(
        member_id=member.pk,
        template="notice",
        context={"brand": "Omni", "body": "您的订单已发货"},
        channel="wechat",
    )
    assert deliver_batch().counts["sent"] == 1
    return Message.objects.get(member=member)


def _receipt(client, openid: str, msgid: int, status: str):
    xml = (
        "<xml><ToUserName><![CDATA[gh_test]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{now_ts() - next(_times)}</CreateTime>"
        "<MsgType><![CDATA[event]]></MsgType>"
        "<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>"
        f"<MsgID>{msgid}</MsgID><Status><![CDATA[{status}]]></Status></xml>"
    )
    r = post_safe(client, xml, by="wechatpy")
    assert (r.status_code, r.content) == (200, b"success")


def _msgid(message: Message) -> int:
    assert message.provider_id.startswith("wx:")
    return int(message.provider_id.removeprefix("wx:"))


def test_success_marks_the_message_delivered(client, account):
    message = _sent_to("o-ok")
    _receipt(client, "o-ok", _msgid(message), "success")
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert list(message.events.values_list("kind", "detail")) == [("delivered", "success")]
    assert WechatInbound.objects.get(event="templatesendjobfinish").outcome == "receipt:success"
    # The receipt is not the user acting: the 48-hour window stays shut.
    assert WechatFollower.objects.get(openid="o-ok").last_interaction_at is None


@pytest.mark.parametrize(
    ("status", "code"),
    [("failed:user block", "wechat_user_block"), ("failed: system failed", "wechat_system_failed")],
)
def test_a_failure_marks_it_failed_with_the_reason(client, account, status, code):
    message = _sent_to("o-no")
    _receipt(client, "o-no", _msgid(message), status)
    message.refresh_from_db()
    assert (message.status, message.reason) == ("failed", "undelivered")
    assert message.last_error == f"{code}: {status}"
    assert list(message.events.values_list("kind", flat=True)) == ["undelivered"]


def test_a_repeated_receipt_and_an_unknown_msgid_change_nothing(client, account):
    message = _sent_to("o-rep")
    _receipt(client, "o-rep", _msgid(message), "success")
    _receipt(client, "o-rep", _msgid(message), "success")  # a second event (new CreateTime)
    _receipt(client, "o-rep", 999_999_999, "success")
    message.refresh_from_db()
    assert message.status == "delivered"
    assert MessageEvent.objects.count() == 1
    assert Message.objects.filter(status="delivered").count() == 1
