"""Replies go through the messaging outbox (ADR 31): a transactional `cs_reply` message in
the reply's transaction, a WeChat customer-service message while the 48-hour window is open
(checked when claimed and again when sent), else an SMS notice; retries and the delivery
record are the worker's, and the ticket shows how it went."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from freezegun import freeze_time

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.inbox.models import Ticket
from omniloop.inbox.services import ticket_reply
from omniloop.messaging.delivery import deliver_due
from omniloop.messaging.models import Message
from omniloop.wechat.models import WechatFollower
from tests.factories import make_user
from tests.inbox.helpers import follower_member, follower_says

pytestmark = pytest.mark.django_db


def _agent():
    return actor_for_user(make_user(Role.CS_AGENT))


def test_a_reply_is_one_transactional_outbox_message_sent_once(client, wechat_safe, sms_outbox):
    member = follower_member("o-box")
    follower_says(client, "o-box", "衣服起球了")
    ticket = Ticket.objects.get()
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="马上为您换货")
    msg = Message.objects.get(cause=f"inbox:{reply.pk}")
    assert (msg.member_id, msg.kind, msg.template, msg.channel, msg.status) == (
        member.pk,
        "transactional",
        "cs_reply",
        "wechat_cs",
        "sent",
    )
    assert msg.dedupe_key == f"inbox:{reply.pk}" and msg.attempts == 1
    deliver_due(max_seconds=5)  # another round: nothing more is sent
    assert len(wechat_safe.calls_to("message/custom/send")) == 1
    reply.refresh_from_db()
    assert (reply.delivery, reply.via, reply.delivery_error) == ("sent", "wechat", "")
    assert sms_outbox == []


def test_a_rolled_back_reply_leaves_no_message_and_sends_nothing(client, wechat_safe, monkeypatch):
    # The immediate task backend of the tests would deliver inside the transaction; the
    # database backend's task row rolls back with it, as the message does.
    monkeypatch.setattr("omniloop.inbox.replies.messages_deliver_soon", lambda: None)
    follower_member("o-undo")
    follower_says(client, "o-undo", "尺码不对")
    ticket = Ticket.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="抱歉")
        assert Message.objects.filter(template="cs_reply").count() == 1
        raise RuntimeError("the request failed after the reply")
    assert not Message.objects.filter(template="cs_reply").exists()
    deliver_due(max_seconds=5)
    assert wechat_safe.calls_to("message/custom/send") == []


def test_a_closed_window_falls_back_to_sms_and_says_why(client, wechat_safe, sms_outbox):
    follower_member("o-shut", phone="13800138666")
    follower_says(client, "o-shut", "还没发货")
    ticket = Ticket.objects.get()
    WechatFollower.objects.filter(openid="o-shut").update(
        last_interaction_at=clock.now() - timedelta(hours=48, seconds=1)
    )
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="今天发出")
    msg = Message.objects.get(cause=f"inbox:{reply.pk}")
    assert (msg.channel, msg.status, msg.skipped) == ("sms", "sent", "wechat_cs:window_closed")
    assert [(s.to_e164, s.text, s.kind, s.reference) for s in sms_outbox] == [
        ("+8613800138666", "今天发出", "notice", msg.uid.hex)
    ]
    reply.refresh_from_db()
    assert (reply.via, reply.delivery_error) == ("sms", "wechat_window_closed")


def test_no_window_and_no_phone_fails_clearly(client, wechat_safe, sms_outbox):
    from omniloop.members.models import MemberIdentity

    member = follower_member("o-none")
    MemberIdentity.objects.filter(member=member, kind="phone").delete()
    follower_says(client, "o-none", "质量问题")
    ticket = Ticket.objects.get()
    WechatFollower.objects.filter(openid="o-none").update(subscribed=False)
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="请联系我们")
    reply.refresh_from_db()
    assert (reply.delivery, reply.delivery_error) == ("failed", "no_phone")
    assert Message.objects.get(cause=f"inbox:{reply.pk}").reason == "unreachable"
    assert wechat_safe.calls_to("message/custom/send") == [] and sms_outbox == []


def test_a_rate_limit_is_retried_by_the_worker_and_sent_once(client, wechat_safe):
    follower_member("o-busy")
    follower_says(client, "o-busy", "快递丢了")
    ticket = Ticket.objects.get()
    wechat_safe.fail("message/custom/send", 45009)
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="已为您补发")
    reply.refresh_from_db()
    assert (reply.delivery, reply.delivery_error) == ("queued", "wechat_rate_limited")
    msg = Message.objects.get(cause=f"inbox:{reply.pk}")
    assert msg.status == "queued" and msg.due_at > clock.now()
    with freeze_time(clock.now() + timedelta(minutes=5)):
        deliver_due(max_seconds=5)
    msg.refresh_from_db()
    reply.refresh_from_db()
    assert (msg.status, msg.attempts) == ("sent", 2)
    assert (reply.delivery, reply.via) == ("sent", "wechat")
    assert len(wechat_safe.calls_to("message/custom/send")) == 2  # the refused one, then one


def test_a_window_that_closes_between_claim_and_send_fails_clearly(
    client, wechat_safe, monkeypatch, sms_outbox
):
    from omniloop.messaging import delivery

    follower_member("o-edge", phone="13800138777")
    follower_says(client, "o-edge", "退款没到")
    ticket = Ticket.objects.get()
    monkeypatch.setattr("omniloop.inbox.replies.messages_deliver_soon", lambda: None)
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="今天到账")
    _, claimed = delivery.claim_batch(size=10)
    assert [c.message.channel for c in claimed] == ["wechat_cs"]
    WechatFollower.objects.filter(openid="o-edge").update(
        last_interaction_at=clock.now() - timedelta(hours=49)
    )
    delivery._record(delivery.send_claimed(claimed), delivery.Counter())
    msg = Message.objects.get(cause=f"inbox:{reply.pk}")
    assert (msg.status, msg.reason) == ("failed", "provider")
    assert msg.last_error.startswith("wechat_window_closed")
    reply.refresh_from_db()
    assert (reply.delivery, reply.delivery_error) == ("failed", "wechat_window_closed")
    assert wechat_safe.calls_to("message/custom/send") == [] and sms_outbox == []


def test_a_follower_who_has_not_joined_is_answered_through_the_outbox_by_openid(
    client, wechat_safe, sms_outbox
):
    follower_says(client, "o-guest", "请问有门店吗")
    ticket = Ticket.objects.get()
    assert ticket.member_id is None
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="有的")
    msg = Message.objects.get()
    assert (msg.member_id, msg.openid, msg.kind, msg.template) == (
        None,
        "o-guest",
        "transactional",
        "cs_reply",
    )
    assert (msg.channel_requested, msg.channel, msg.status, msg.attempts) == (
        "wechat_cs",
        "wechat_cs",
        "sent",
        1,
    )
    assert msg.dedupe_key == msg.cause == f"inbox:{reply.pk}"
    deliver_due(max_seconds=5)  # another round: nothing more is sent
    calls = wechat_safe.calls_to("message/custom/send")
    assert len(calls) == 1 and sms_outbox == []
    reply.refresh_from_db()
    assert (reply.delivery, reply.via, reply.delivery_error) == ("sent", "wechat", "")


def test_a_rolled_back_reply_to_a_follower_leaves_no_message(client, wechat_safe, monkeypatch):
    monkeypatch.setattr("omniloop.inbox.replies.messages_deliver_soon", lambda: None)
    follower_says(client, "o-guest-undo", "在吗")
    ticket = Ticket.objects.get()
    with pytest.raises(RuntimeError), transaction.atomic():
        ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="在的")
        assert Message.objects.filter(openid="o-guest-undo").count() == 1
        raise RuntimeError("the request failed after the reply")
    assert not Message.objects.exists()
    deliver_due(max_seconds=5)
    assert wechat_safe.calls_to("message/custom/send") == []


@pytest.mark.parametrize(
    ("gone", "reason", "error"),
    [
        (False, "window_closed", "wechat_window_closed"),
        (True, "unreachable", "wechat_not_following"),
    ],
)
def test_a_follower_outside_the_window_or_gone_is_not_sent_and_the_ticket_says_why(
    client, wechat_safe, sms_outbox, gone, reason, error
):
    follower_says(client, "o-guest-late", "还在吗")
    ticket = Ticket.objects.get()
    follower = WechatFollower.objects.filter(openid="o-guest-late")
    if gone:
        follower.update(subscribed=False)
    else:
        follower.update(last_interaction_at=clock.now() - timedelta(hours=49))
    reply = ticket_reply(actor=_agent(), ticket_id=ticket.pk, body="在的")
    msg = Message.objects.get()
    assert (msg.member_id, msg.status, msg.reason, msg.skipped) == (
        None,
        "suppressed",
        reason,
        f"wechat_cs:{reason}",
    )
    reply.refresh_from_db()
    assert (reply.delivery, reply.delivery_error) == ("failed", error)
    assert wechat_safe.calls_to("message/custom/send") == [] and sms_outbox == []
