"""Tracked links, and messages in data-subject requests and merges."""

from __future__ import annotations

import pytest
from django.urls import reverse
from freezegun import freeze_time

from omniloop.members.privacy import member_erase, member_export
from omniloop.members.services import member_merge
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.links import track_token
from omniloop.messaging.models import Message, MessageEvent, MessagingProfile
from omniloop.messaging.outbox import message_enqueue, message_to_follower_enqueue
from omniloop.messaging.services import messaging_profile_set
from omniloop.touchpoints.models import Visitor
from omniloop.wechat.models import WechatFollower
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db

LINK = {"brand": "Omni", "title": "上新", "body": "八折", "link_url": "https://shop.example/p/1"}


@freeze_time(NOON)
def test_a_link_in_a_message_is_tracked_and_redirects(client, sms_outbox):
    member = member_with()
    msg = message_enqueue(member_id=member.pk, template="promotion_link", context=LINK)
    deliver_batch()
    [sms] = sms_outbox
    url = sms.text.split("详情 ")[1].split(" ")[0]
    assert url.startswith("http://127.0.0.1:8000/msg/c/") and "shop.example" not in url
    response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    assert (response.status_code, response["Location"]) == (302, "https://shop.example/p/1")
    assert list(MessageEvent.objects.values_list("message_id", "kind", "detail")) == [
        (msg.pk, "clicked", "https://shop.example/p/1")
    ]
    forged = track_token(msg, "https://evil.example/")[:-3] + "abc"
    assert client.get(reverse("messaging:click", args=[forged])).status_code == 404
    assert MessageEvent.objects.count() == 1


@freeze_time(NOON)
def test_export_lists_messages_and_erasure_stops_queued_ones_and_drops_contents(sms_outbox):
    member = member_with()
    messaging_profile_set(member=member, email="li@example.com")
    message_enqueue(member_id=member.pk, template="promotion", context=LINK | {"title": "t"})
    deliver_batch()
    message_enqueue(member_id=member.pk, template="notice", context={"brand": "B", "body": "x"})
    exported = member_export(member_id=member.pk)["sections"]["messages"]
    assert [r.get("template") for r in exported] == ["promotion", "notice", None]
    assert exported[-1] == {"language": "zh-hans", "email": "l***@example.com"}
    member_erase(member_id=member.pk, reason="asked")
    rows = list(Message.objects.order_by("id").values_list("status", "reason", "context"))
    assert rows == [("sent", "", {}), ("suppressed", "member_gone", {})]
    assert not MessagingProfile.objects.filter(member=member).exists()
    deliver_batch()
    assert len(sms_outbox) == 1


@freeze_time(NOON)
def test_a_merge_moves_messages_to_the_survivor():
    survivor, merged = member_with(), member_with()
    message_enqueue(member_id=merged.pk, template="notice", context={"brand": "B", "body": "x"})
    messaging_profile_set(member=merged, language="en")
    member_merge(survivor_id=survivor.pk, merged_id=merged.pk, actor="test", reason="same")
    assert Message.objects.get().member_id == survivor.pk
    assert MessagingProfile.objects.get().member_id == survivor.pk


@freeze_time(NOON)
def test_erasure_also_drops_the_replies_sent_to_their_follower_before_they_joined():
    member = member_with()
    visitor = Visitor.objects.create(key="v-erase", member=member, created_at=NOON)
    WechatFollower.objects.create(
        openid="o-was-guest", member=member, visitor=visitor, subscribed=True, created_at=NOON
    )
    message_to_follower_enqueue(openid="o-was-guest", template="cs_reply", context={"body": "a"})
    message_to_follower_enqueue(openid="o-someone", template="cs_reply", context={"body": "b"})
    member_erase(member_id=member.pk, reason="asked")
    rows = dict(Message.objects.values_list("openid", "context"))
    assert rows == {"o-was-guest": {}, "o-someone": {"body": "b"}}
    assert Message.objects.get(openid="o-was-guest").status == "suppressed"
