"""Retention (issue 10): old, finished messages lose their variables and their events' details
but stay counted; queued ones are left alone; processed WeChat callbacks lose their payload
after their period, unprocessed ones and their dedup keys stay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.retention import messages_retention_purge
from omniloop.messaging.values import Status
from omniloop.wechat.models import WechatInbound
from omniloop.wechat.retention import wechat_inbound_retention_purge
from tests.messaging.conftest import member_with

pytestmark = pytest.mark.django_db
PROMO = {"brand": "衣见", "title": "王小明，您的专属券", "body": "券码 ABCD1234", "link": "x"}


def test_old_finished_messages_lose_their_variables_and_stay_counted(settings):
    settings.OMNILOOP_RETENTION_MESSAGE_DAYS = 30
    member = member_with()
    old_sent, old_queued, recent = (
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO) for _ in range(3)
    )
    long_ago = clock.now() - timedelta(days=31)
    Message.objects.filter(pk__in=[old_sent.pk, old_queued.pk]).update(created_at=long_ago)
    Message.objects.filter(pk__in=[old_sent.pk, recent.pk]).update(status=Status.SENT)
    MessageEvent.objects.create(message=old_sent, kind="clicked", at=long_ago, detail="ua: x")
    assert messages_retention_purge() == {"messages": 1, "events": 1}
    contexts = dict(Message.objects.values_list("pk", "context"))
    assert contexts[old_sent.pk] == {}
    assert contexts[old_queued.pk] == PROMO  # still to send: it needs its words
    assert contexts[recent.pk] == PROMO
    assert Message.objects.count() == 3 and MessageEvent.objects.get().detail == ""
    assert messages_retention_purge() == {"messages": 0, "events": 0}  # nothing left to do


def test_processed_wechat_callbacks_lose_their_payload_after_the_period(settings):
    settings.OMNILOOP_RETENTION_WECHAT_DAYS = 7
    now = clock.now()
    rows = []
    for n, (age, processed) in enumerate([(8, True), (8, False), (6, True)]):
        at = now - timedelta(days=age)
        rows.append(
            WechatInbound.objects.create(
                dedup_key=f"msg:{n}",
                msg_type="text",
                openid="o1",
                sent_at=at,
                received_at=at,
                processed_at=at if processed else None,
                payload={"Content": "衣服起球了"},
            )
        )
    assert wechat_inbound_retention_purge() == 1
    payloads = dict(WechatInbound.objects.values_list("dedup_key", "payload"))
    assert payloads == {
        "msg:0": {},
        "msg:1": {"Content": "衣服起球了"},
        "msg:2": {"Content": "衣服起球了"},
    }
