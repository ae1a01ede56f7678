"""Rationing and consent, at send time: consent, caps, quiet hours, the fallback order."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from freezegun import freeze_time

from omniloop.attribution.services import binding_touch
from omniloop.members.services import consent_record
from omniloop.messaging import channels
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from omniloop.messaging.values import Channel, SendResult, Status
from tests.factories import make_store
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db

PROMO = {"brand": "Omni", "title": "上新", "body": "八折"}
NOTICE = {"brand": "Omni", "body": "取货提醒"}


class RecordingSender:
    """Stands in for WeChat: reachable for the members given, records what it sends."""

    channel = Channel.WECHAT
    idempotent = False

    def __init__(self, followers: set[int]):
        self.followers = followers
        self.sent: list[int] = []

    def reachable(self, member_ids):
        return self.followers & set(member_ids)

    def addresses(self, member_ids):
        return {m: f"o-{m}" for m in self.reachable(member_ids)}

    def send(self, out):
        self.sent.append(out.message.member_id)
        return SendResult(provider_id=f"wx:{len(self.sent)}")


@pytest.fixture
def wechat_fake(monkeypatch):
    fake = RecordingSender(set())
    monkeypatch.setitem(channels._senders, Channel.WECHAT, fake)
    return fake


def _statuses():
    return list(Message.objects.order_by("id").values_list("status", "reason", "channel"))


@freeze_time(NOON)
def test_withdrawing_consent_suppresses_marketing_already_queued_but_not_notices(sms_outbox):
    member = member_with(consents=("sms",))
    message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
    message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
    consent_record(member=member, channel="sms", granted=False, source="test")
    deliver_batch()
    assert _statuses() == [
        (Status.SUPPRESSED, "no_consent", ""),
        (Status.SENT, "", "sms"),
    ]
    assert [s.text for s in sms_outbox] == ["【Omni】取货提醒"]


@freeze_time(NOON)
def test_the_fallback_order_is_wechat_then_sms_then_email_by_reachability(wechat_fake, sms_outbox):
    follower = member_with(consents=("wechat", "sms"))
    sms_only = member_with(consents=("wechat", "sms"))
    wechat_no_consent = member_with(consents=("sms",))
    email_only = member_with(consents=("email",))
    messaging_profile_set(member=email_only, email="a@example.com")
    nobody = member_with(consents=("email",))
    wechat_fake.followers = {follower.pk, wechat_no_consent.pk}
    for m in (follower, sms_only, wechat_no_consent, email_only, nobody):
        message_enqueue(member_id=m.pk, template="promotion", context=PROMO)
    deliver_batch()
    assert _statuses() == [
        (Status.SENT, "", "wechat"),
        (Status.SENT, "", "sms"),
        (Status.SENT, "", "sms"),
        (Status.SENT, "", "email"),
        (Status.SUPPRESSED, "no_consent", ""),  # reachable by SMS, but gave no SMS consent
    ]
    assert wechat_fake.sent == [follower.pk]


def test_caps_per_channel_and_across_channels_hold_over_the_window(settings, wechat_fake):
    settings.OMNILOOP_MESSAGING_CAPS = [("wechat", 2, 30), ("*", 3, 30)]
    with freeze_time(NOON) as frozen:
        member = member_with(consents=("wechat", "sms"))
        wechat_fake.followers = {member.pk}
        for _ in range(5):
            message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
        deliver_batch()
        assert [s[2] or s[1] for s in _statuses()] == [
            "wechat",
            "wechat",
            "sms",  # WeChat's cap is reached: the next channel in the order
            "frequency_cap",  # three in the window across channels
            "frequency_cap",
            "wechat",  # transactional: no cap
        ]
        frozen.tick(timedelta(days=31))
        message_enqueue(member_id=member.pk, template="promotion", context=PROMO)
        deliver_batch()
        assert Message.objects.order_by("-id").first().status == Status.SENT


def test_marketing_waits_for_the_end_of_quiet_hours_in_the_home_stores_time_zone(sms_outbox):
    london = make_store(timezone="Europe/London")
    late_shanghai = datetime.fromisoformat("2026-03-02T22:30:00+08:00")  # 14:30 in London
    with freeze_time(late_shanghai):
        local = member_with()  # no home store: the brand's zone (Asia/Shanghai)
        away = member_with()
        binding_touch(member=away, store_id=london.pk, assistant_id=None, source="test")
        for m in (local, away):
            message_enqueue(member_id=m.pk, template="promotion", context=PROMO)
        message_enqueue(member_id=local.pk, template="notice", context=NOTICE)
        deliver_batch()
        rows = list(Message.objects.order_by("id"))
        assert [r.status for r in rows] == [Status.QUEUED, Status.SENT, Status.SENT]
        assert rows[0].due_at == datetime.fromisoformat("2026-03-03T09:00:00+08:00")
        assert rows[0].attempts == 0
    with freeze_time("2026-03-03T09:00:00+08:00"):
        deliver_batch()
        assert Message.objects.get(pk=rows[0].pk).status == Status.SENT


@freeze_time(NOON)
def test_an_erased_or_expired_message_is_suppressed(sms_outbox):
    member = member_with()
    message_enqueue(
        member_id=member.pk, template="notice", context=NOTICE, expires_at=NOON - timedelta(1)
    )
    deliver_batch()
    assert _statuses() == [(Status.SUPPRESSED, "expired", "")]
    assert sms_outbox == []
