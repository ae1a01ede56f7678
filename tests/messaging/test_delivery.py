"""The worker: sends, retries with backoff, fails for good, records what happened."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.core.sms import SmsError, SmsKind
from omniloop.messaging import delivery
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from omniloop.messaging.values import Status
from tests.messaging.backends import FlakySmsBackend
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db

NOTICE = {"brand": "Omni", "body": "门店今晚九点关门"}
PROMO = {"brand": "Omni", "title": "春季上新", "body": "全场八折"}


@pytest.fixture
def flaky(settings):
    settings.OMNILOOP_SMS_BACKEND = "tests.messaging.backends.FlakySmsBackend"
    FlakySmsBackend.errors.clear()
    yield FlakySmsBackend.errors
    FlakySmsBackend.errors.clear()


@freeze_time(NOON)
def test_a_notice_goes_by_sms_with_our_id_as_reference(sms_outbox):
    member = member_with(consents=(), phone="13800138000")
    msg = message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
    result = deliver_batch()
    assert (result.claimed, dict(result.counts)) == (1, {"sent": 1})
    [sms] = sms_outbox
    assert (sms.to_e164, sms.text, sms.kind, sms.reference) == (
        "+8613800138000",
        "【Omni】门店今晚九点关门",
        SmsKind.NOTICE,
        msg.uid.hex,
    )
    row = Message.objects.get()
    assert (row.status, row.channel, row.attempts, row.provider_id) == (
        Status.SENT,
        "sms",
        1,
        "locmem-1",
    )
    assert row.sent_at == NOON and row.lease_until is None
    assert deliver_batch().claimed == 0


@freeze_time(NOON)
def test_marketing_sms_carries_the_opt_out_line_in_the_members_language(sms_outbox):
    zh = member_with()
    en = member_with()
    messaging_profile_set(member=en, language="en")
    for m in (zh, en):
        message_enqueue(member_id=m.pk, template="promotion", context=PROMO)
    deliver_batch()
    texts = sorted(s.text for s in sms_outbox)
    assert texts == [
        "[Omni] 春季上新: 全场八折 Reply T to opt out 回T退订",
        "【Omni】春季上新:全场八折 回T退订",
    ]


def test_a_retryable_error_backs_off_exponentially_then_fails_after_the_last_attempt(
    flaky, sms_outbox, monkeypatch
):
    monkeypatch.setattr(delivery.random, "uniform", lambda a, b: 1.0)
    err = SmsError("busy", code="sms_rate_limited", retryable=True)
    flaky.extend([err, err, err])
    with freeze_time(NOON) as frozen:
        member = member_with(consents=())
        message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
        assert dict(deliver_batch().counts) == {"retry": 1}
        row = Message.objects.get()
        assert (row.status, row.attempts, row.due_at) == (
            Status.QUEUED,
            1,
            NOON + timedelta(seconds=30),
        )
        assert row.last_error == "sms_rate_limited: busy"
        assert deliver_batch().claimed == 0  # not due yet
        frozen.tick(timedelta(seconds=30))
        assert dict(deliver_batch().counts) == {"retry": 1}
        row.refresh_from_db()
        assert row.due_at == NOON + timedelta(seconds=30 + 60)
        frozen.tick(timedelta(seconds=60))
        assert dict(deliver_batch().counts) == {"failed": 1}
    row.refresh_from_db()
    assert (row.status, row.reason, row.attempts) == (Status.FAILED, "attempts", 3)
    assert sms_outbox == []


@freeze_time(NOON)
def test_a_permanent_error_fails_at_once_and_a_retry_then_success_sends_once(flaky, sms_outbox):
    bad, ok = member_with(consents=()), member_with(consents=())
    message_enqueue(member_id=bad.pk, template="notice", context=NOTICE)
    flaky.append(SmsError("bad number", code="sms_number_invalid", retryable=False))
    assert dict(deliver_batch().counts) == {"failed": 1}
    row = Message.objects.get()
    assert (row.status, row.reason, row.last_error) == (
        Status.FAILED,
        "provider",
        "sms_number_invalid: bad number",
    )
    message_enqueue(member_id=ok.pk, template="notice", context=NOTICE)
    flaky.append(SmsError("busy", code="sms_unavailable", retryable=True))
    deliver_batch()
    with freeze_time(NOON + timedelta(minutes=5)):
        assert dict(deliver_batch().counts) == {"sent": 1}
    assert len(sms_outbox) == 1


@freeze_time(NOON)
def test_a_worker_that_died_mid_send_is_replaced_after_its_lease_and_sends_once(sms_outbox):
    member = member_with(consents=())
    message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
    claimed_n, claimed = delivery.claim_batch(size=10)  # claimed, then the worker "dies"
    assert (claimed_n, len(claimed)) == (1, 1)
    delivery.send_claimed(claimed)  # it even reached the provider before dying
    assert deliver_batch().claimed == 0  # the lease still holds
    with freeze_time(NOON + timedelta(minutes=3)):
        assert dict(deliver_batch().counts) == {"sent": 1}
    row = Message.objects.get()
    assert (row.status, row.attempts) == (Status.SENT, 2)
    assert len(sms_outbox) == 1  # the provider recognised the reference


@freeze_time(NOON)
def test_a_stale_worker_cannot_overwrite_a_newer_attempt(sms_outbox):
    member = member_with(consents=())
    message_enqueue(member_id=member.pk, template="notice", context=NOTICE)
    _, [stale] = delivery.claim_batch(size=10)
    with freeze_time(NOON + timedelta(minutes=3)):
        _, [fresh] = delivery.claim_batch(size=10)
    counts = delivery.Counter()
    delivery._record(delivery.send_claimed([stale]), counts)
    assert counts == {"stale": 1}
    assert Message.objects.get().status == Status.SENDING
    delivery._record(delivery.send_claimed([fresh]), counts)
    assert Message.objects.get().status == Status.SENT


@freeze_time(NOON)
def test_the_periodic_job_and_the_command_deliver_what_is_due(sms_outbox):
    from io import StringIO

    from django.core.management import call_command

    from omniloop.messaging.tasks import messaging_deliver_task

    first, second = member_with(consents=()), member_with(consents=())
    message_enqueue(member_id=first.pk, template="notice", context=NOTICE)
    assert messaging_deliver_task.call() == {"sent": 1, "claimed": 1}
    message_enqueue(member_id=second.pk, template="notice", context=NOTICE)
    out = StringIO()
    call_command("messaging_worker", "--until-idle", stdout=out)
    assert "sent=1" in out.getvalue()
    assert len(sms_outbox) == 2
