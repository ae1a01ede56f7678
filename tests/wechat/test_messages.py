"""Outbound messages to the fake server: template and customer-service sends, the 48-hour
window, and WeChat's errors mapped to retryable or final ones (what the outbox will use)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.wechat.errors import WechatApiError, WechatRetryable
from omniloop.wechat.messages import (
    wechat_customer_service_send,
    wechat_openid_for_member,
    wechat_template_send,
)
from omniloop.wechat.models import WechatFollower
from tests.factories import make_member
from tests.wechat import wire
from tests.wechat.helpers import now_ts, post_plain

pytestmark = pytest.mark.django_db


@pytest.fixture
def follower(client, wechat):
    """A follower who wrote to the account just now."""
    post_plain(client, wire.text_xml(openid="o-f", content="在吗", create_time=now_ts(), msg_id=5))
    return WechatFollower.objects.get(openid="o-f")


def test_a_template_message_is_sent(wechat, follower):
    msgid = wechat_template_send(
        openid="o-f",
        template_id="TPL-1",
        data={"thing1": "会员积分到账", "number2": "200"},
        url="https://brand.example/m/card",
    )
    (call,) = wechat.calls_to("message/template/send")
    assert call.body == {
        "touser": "o-f",
        "template_id": "TPL-1",
        "data": {"thing1": {"value": "会员积分到账"}, "number2": {"value": "200"}},
        "url": "https://brand.example/m/card",
    }
    assert msgid > 0


def test_a_customer_service_message_inside_the_window_is_sent(wechat, follower):
    with freeze_time(follower.last_interaction_at + timedelta(hours=47, minutes=59)):
        wechat_customer_service_send(openid="o-f", text="您好，有什么可以帮您？")
    (call,) = wechat.calls_to("message/custom/send")
    assert call.body == {
        "touser": "o-f",
        "msgtype": "text",
        "text": {"content": "您好，有什么可以帮您？"},
    }


def test_outside_the_48_hour_window_nothing_is_sent(wechat, follower):
    closed = freeze_time(follower.last_interaction_at + timedelta(hours=48))
    with closed, pytest.raises(WechatApiError) as exc:
        wechat_customer_service_send(openid="o-f", text="hi")
    assert (exc.value.code, exc.value.retryable, exc.value.status) == (
        "wechat_window_closed",
        False,
        409,
    )
    assert not wechat.calls_to("message/custom/send")


@pytest.mark.parametrize(
    ("errcode", "code", "retryable"),
    [
        (45009, "wechat_rate_limited", True),
        (-1, "wechat_unavailable", True),
        (45015, "wechat_window_closed", False),
        (43004, "wechat_not_following", False),
        (40003, "wechat_api_error", False),
    ],
)
def test_wechat_errors_are_mapped(wechat, follower, errcode, code, retryable):
    wechat.fail("message/custom/send", errcode)
    with pytest.raises(WechatApiError) as exc:
        wechat_customer_service_send(openid="o-f", text="hi")
    assert (exc.value.code, exc.value.retryable, exc.value.errcode) == (code, retryable, errcode)
    assert len(wechat.calls_to("message/custom/send")) == 1  # surfaced, not retried here


def test_a_rate_limited_send_succeeds_when_retried_later(wechat, follower):
    wechat.fail("message/template/send", 45009)
    with pytest.raises(WechatRetryable):
        wechat_template_send(openid="o-f", template_id="T", data={})
    assert wechat_template_send(openid="o-f", template_id="T", data={}) > 0


def test_an_expired_token_on_send_is_refreshed_once(wechat, follower):
    wechat_template_send(openid="o-f", template_id="T", data={})
    wechat.expire_token()
    wechat_customer_service_send(openid="o-f", text="hi")
    assert len(wechat.calls_to("token")) == 2
    assert len(wechat.calls_to("message/custom/send")) == 2


def test_no_answer_is_retryable(wechat, follower):
    wechat.stop()
    with pytest.raises(WechatRetryable) as exc:
        wechat_template_send(openid="o-f", template_id="T", data={})
    assert exc.value.code == "wechat_unavailable"


def test_someone_who_left_gets_nothing(client, wechat, follower):
    post_plain(client, wire.event_xml(openid="o-f", event="unsubscribe", create_time=now_ts()))
    with pytest.raises(WechatApiError) as exc:
        wechat_template_send(openid="o-f", template_id="T", data={})
    assert exc.value.code == "wechat_not_following"
    assert not wechat.calls_to("message/template/send")


def test_the_openid_to_reach_a_member_on(wechat, follower):
    member = make_member()
    assert wechat_openid_for_member(member_id=member.pk) is None
    WechatFollower.objects.filter(pk=follower.pk).update(member=member, subscribed=True)
    assert wechat_openid_for_member(member_id=member.pk) == "o-f"
    assert clock.now()  # the clock is ours, not the fake server's
