"""Subscription notices (订阅通知) as an outbox channel, through the real adapter to the local
fake WeChat API (bizsend): decided at send time by the member's accepted subscription for the
template, else the fallback order; 43101 withdraws the subscription and falls back (or fails),
never retried on WeChat; receipts (subscribe_msg_sent_event) through the real callback."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message, MessageEvent
from omniloop.messaging.outbox import message_enqueue
from omniloop.touchpoints.models import Visitor
from omniloop.wechat.models import WechatFollower, WechatSubscription
from omniloop.wechat.subscriptions import subscription_record
from tests.messaging.conftest import NOON, member_with
from tests.wechat.conftest import AES_KEY, fake_wechat, wechat  # noqa: F401 (the fixtures)
from tests.wechat.subscription_events import post_event, sent_xml

pytestmark = pytest.mark.django_db

PICKUP = {"brand": "Omni", "order": "A1001", "store": "静安店", "code": "8342"}
PROMO = {"brand": "Omni", "title": "上新", "body": "八折"}
TPL = "SUB-pickup-0001"


@pytest.fixture
def account(settings, wechat):  # noqa: F811
    settings.OMNILOOP_WECHAT_AES_KEY = AES_KEY
    settings.OMNILOOP_MESSAGING_WECHAT_SUB_TEMPLATES = {
        "pickup_ready": {
            "template_id": TPL,
            "fields": {"thing1": "store", "character_string2": "code", "thing3": "text"},
            "page": "https://omni.example/m/orders",
        },
        "promotion": {"template_id": "SUB-promo"},
    }
    return wechat


def _follower(member, openid: str, *accepted: str) -> WechatFollower:
    visitor = Visitor.objects.create(key=str(uuid.uuid4()), member=member, created_at=clock.now())
    follower = WechatFollower.objects.create(
        openid=openid, member=member, visitor=visitor, subscribed=True, created_at=clock.now()
    )
    for template_id in accepted:
        subscription_record(
            follower=follower,
            template_id=template_id,
            state="accepted",
            source="popup",
            at=clock.now(),
        )
    return follower


def _bizsends(account):
    return account.calls_to("message/subscribe/bizsend")


@freeze_time(NOON)
def test_an_accepted_subscription_gets_the_notice(account, sms_outbox):
    member = member_with()
    _follower(member, "o-1", TPL)
    message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
    assert dict(deliver_batch().counts) == {"sent": 1}
    [call] = _bizsends(account)
    assert call.body["touser"] == "o-1" and call.body["template_id"] == TPL
    assert call.body["page"] == "https://omni.example/m/orders"
    data = call.body["data"]
    assert data["thing1"] == {"value": "静安店"}
    assert data["character_string2"] == {"value": "8342"}
    assert len(data["thing3"]["value"]) == 20 and data["thing3"]["value"].endswith("…")
    row = Message.objects.get()
    assert (row.channel, row.status, row.provider_id) == ("wechat_sub", "sent", f"wxs:{TPL}:")
    assert sms_outbox == []


@freeze_time(NOON)
def test_without_a_subscription_the_fallback_order_continues(account, sms_outbox):
    member = member_with()
    _follower(member, "o-2", "SUB-other-template")  # accepted, but another template
    rejected = member_with()
    follower = _follower(rejected, "o-3", TPL)
    subscription_record(
        follower=follower, template_id=TPL, state="withdrawn", source="change", at=clock.now()
    )
    for m in (member, rejected):
        message_enqueue(member_id=m.pk, template="pickup_ready", context=PICKUP)
    assert dict(deliver_batch().counts) == {"sent": 2}
    assert _bizsends(account) == []
    rows = list(Message.objects.order_by("id"))
    assert [(r.channel, r.skipped) for r in rows] == [
        ("sms", "wechat_sub:unreachable wechat:unreachable")
    ] * 2
    assert len(sms_outbox) == 2


@freeze_time(NOON)
def test_marketing_needs_wechat_consent_and_counts_against_the_wechat_cap(account, settings):
    settings.OMNILOOP_MESSAGING_CAPS = [("wechat", 1, 30)]
    settings.OMNILOOP_MESSAGING_WECHAT_TEMPLATE_ID = "TPL-template-msg"
    consenting, not_consenting = member_with(consents=("wechat",)), member_with(consents=())
    _follower(consenting, "o-4", "SUB-promo")
    _follower(not_consenting, "o-5", "SUB-promo")
    for m in (consenting, not_consenting):
        message_enqueue(member_id=m.pk, template="promotion", context=PROMO, dedupe_key=f"a{m.pk}")
    message_enqueue(member_id=consenting.pk, template="promotion", context=PROMO)
    deliver_batch()
    rows = {(r.member_id, r.dedupe_key): r for r in Message.objects.all()}
    first = rows[(consenting.pk, f"a{consenting.pk}")]
    second = rows[(consenting.pk, None)]
    refused = rows[(not_consenting.pk, f"a{not_consenting.pk}")]
    assert (first.status, first.channel) == ("sent", "wechat_sub")
    # The subscription notice used the WeChat cap: no template message on top of it.
    assert (second.status, second.reason) == ("suppressed", "frequency_cap")
    assert (refused.status, refused.reason) == ("suppressed", "no_consent")
    assert len(_bizsends(account)) == 1


def test_43101_withdraws_the_subscription_and_falls_back_not_retried(account, sms_outbox):
    with freeze_time(NOON):
        member = member_with()
        _follower(member, "o-6", TPL)
        message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
        account.fail("message/subscribe/bizsend", 43101)
        assert dict(deliver_batch().counts) == {"fallback": 1}
        row = Message.objects.get()
        assert (row.status, row.channel) == ("queued", "")
        assert row.last_error.startswith("wechat_sub_refused")
        sub = WechatSubscription.objects.get(follower__openid="o-6", template_id=TPL)
        assert sub.state == "withdrawn"
        assert list(sub.changes.values_list("source", flat=True)) == ["popup", "send_refused"]
        assert dict(deliver_batch().counts) == {"sent": 1}
    row.refresh_from_db()
    assert (row.status, row.channel, row.skipped) == (
        "sent",
        "sms",
        "wechat_sub:unreachable wechat:unreachable",
    )
    assert len(_bizsends(account)) == 1 and len(sms_outbox) == 1


@freeze_time(NOON)
def test_43101_fails_a_message_that_asked_for_the_channel(account, sms_outbox):
    member = member_with()
    _follower(member, "o-7", TPL)
    message_enqueue(
        member_id=member.pk, template="pickup_ready", context=PICKUP, channel="wechat_sub"
    )
    account.fail("message/subscribe/bizsend", 43101)
    assert dict(deliver_batch().counts) == {"failed": 1}
    row = Message.objects.get()
    assert (row.status, row.reason) == ("failed", "provider")
    assert deliver_batch().claimed == 0 and sms_outbox == []


def test_a_rate_limit_is_retried_on_the_same_channel(account, sms_outbox):
    with freeze_time(NOON) as frozen:
        member = member_with()
        _follower(member, "o-8", TPL)
        message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
        account.fail("message/subscribe/bizsend", 45009)
        assert dict(deliver_batch().counts) == {"retry": 1}
        frozen.tick(timedelta(minutes=2))
        assert dict(deliver_batch().counts) == {"sent": 1}
    assert Message.objects.get().channel == "wechat_sub"
    assert len(_bizsends(account)) == 2 and sms_outbox == []


def _sent(account, openid: str) -> Message:
    member = member_with()
    _follower(member, openid, TPL)
    message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
    assert deliver_batch().counts["sent"] == 1
    return Message.objects.get(member=member)


def test_a_receipt_marks_the_notice_delivered_once(client, account):
    message = _sent(account, "o-r1")
    post_event(client, sent_xml("o-r1", TPL, "1700827132819554304", "success"))
    post_event(client, sent_xml("o-r1", TPL, "1700827132819554304", "success"))  # repeated
    post_event(client, sent_xml("o-r1", "SUB-unknown", "42", "success"))  # not ours
    message.refresh_from_db()
    assert message.status == "delivered" and message.delivered_at is not None
    assert message.provider_id == f"wxs:{TPL}:1700827132819554304"
    assert MessageEvent.objects.count() == 1
    # A receipt is not the user acting.
    assert WechatFollower.objects.get(openid="o-r1").last_interaction_at is None


def test_a_receipt_by_msgid_when_bizsend_returns_one(client, account):
    account.sub_msgid = True
    message = _sent(account, "o-r2")
    msgid = message.provider_id.rsplit(":", 1)[1]
    assert msgid.isdigit()
    post_event(client, sent_xml("o-r2", TPL, msgid, "failed:user block", error_code=43101))
    message.refresh_from_db()
    assert (message.status, message.reason) == ("failed", "undelivered")
    assert message.last_error.startswith("wechat_user_block")


@freeze_time(NOON)
def test_a_died_worker_does_not_push_a_notice_twice(account):
    from omniloop.messaging import delivery

    member = member_with()
    _follower(member, "o-9", TPL)
    message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
    delivery.claim_batch(size=5)  # the worker dies after the claim
    with freeze_time(NOON + timedelta(minutes=5)):
        deliver_batch()
    row = Message.objects.get()
    assert (row.status, row.reason) == ("failed", "outcome_unknown")
    assert _bizsends(account) == []


def test_end_to_end_a_popup_accept_then_a_cancel_decide_the_channel(client, account, sms_outbox):
    from tests.wechat.subscription_events import change_xml, popup_xml

    member = member_with()
    _follower(member, "o-e2e")  # follows, has answered nothing yet
    post_event(client, popup_xml("o-e2e", {TPL: "accept", "SUB-promo": "reject"}))
    message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP, dedupe_key="1")
    assert dict(deliver_batch().counts) == {"sent": 1}
    assert Message.objects.get(dedupe_key="1").channel == "wechat_sub"
    post_event(client, change_xml("o-e2e", {TPL: "reject"}))  # cancelled in WeChat's settings
    message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP, dedupe_key="2")
    assert dict(deliver_batch().counts) == {"sent": 1}
    assert Message.objects.get(dedupe_key="2").channel == "sms"
    assert len(_bizsends(account)) == 1 and len(sms_outbox) == 1


# --- One-time subscriptions (一次性订阅): one accept, one notice -------------------------------


def _sub(openid: str) -> WechatSubscription:
    return WechatSubscription.objects.get(follower__openid=openid, template_id=TPL)


@freeze_time(NOON)
def test_one_accept_allows_one_notice_and_the_next_takes_the_fallback_order(account, sms_outbox):
    member = member_with()
    _follower(member, "o-c1", TPL)
    for n in range(2):
        message_enqueue(
            member_id=member.pk, template="pickup_ready", context=PICKUP, dedupe_key=f"c1-{n}"
        )
    deliver_batch()
    deliver_batch()  # one may have been claimed for the notice and sent back to be decided again
    rows = list(Message.objects.order_by("id"))
    assert sorted((r.status, r.channel) for r in rows) == [("sent", "sms"), ("sent", "wechat_sub")]
    assert len(_bizsends(account)) == 1 and len(sms_outbox) == 1
    sub = _sub("o-c1")
    assert (sub.state, sub.credits) == ("accepted", 0)  # used up, not withdrawn


def test_each_popup_accept_adds_a_credit_and_a_refusal_clears_them(account):
    member = member_with()
    with freeze_time(NOON) as frozen:
        follower = _follower(member, "o-c2", TPL)
        for source in ("popup", "change"):  # a re-enable in settings grants no notice
            frozen.tick(timedelta(seconds=1))
            subscription_record(
                follower=follower, template_id=TPL, state="accepted", source=source, at=clock.now()
            )
        assert _sub("o-c2").credits == 2
        late = clock.now() - timedelta(minutes=5)
        frozen.tick(timedelta(seconds=1))
        subscription_record(
            follower=follower, template_id=TPL, state="withdrawn", source="change", at=clock.now()
        )
        assert (_sub("o-c2").state, _sub("o-c2").credits) == ("withdrawn", 0)
        # An accept older than the withdrawal, processed late, adds history, not a notice.
        subscription_record(
            follower=follower, template_id=TPL, state="accepted", source="popup", at=late
        )
        assert (_sub("o-c2").state, _sub("o-c2").credits) == ("withdrawn", 0)


@freeze_time(NOON)
def test_a_long_term_template_needs_no_credit(account, settings, sms_outbox):
    settings.OMNILOOP_WECHAT_SUB_LONG_TERM = [TPL]
    member = member_with()
    _follower(member, "o-c3", TPL)
    for n in range(3):
        message_enqueue(
            member_id=member.pk, template="pickup_ready", context=PICKUP, dedupe_key=f"c3-{n}"
        )
    assert dict(deliver_batch().counts) == {"sent": 3}
    assert len(_bizsends(account)) == 3 and sms_outbox == []
    assert _sub("o-c3").credits == 1


def test_a_rate_limited_send_gives_its_credit_back(account):
    with freeze_time(NOON):
        member = member_with()
        _follower(member, "o-c4", TPL)
        message_enqueue(member_id=member.pk, template="pickup_ready", context=PICKUP)
        account.fail("message/subscribe/bizsend", 45009)
        assert dict(deliver_batch().counts) == {"retry": 1}
        assert _sub("o-c4").credits == 1  # WeChat answered with an error: nothing was sent
