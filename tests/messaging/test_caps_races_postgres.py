"""Caps hold with several workers at once (PostgreSQL, parallel connections): the claims take
disjoint rows (SKIP LOCKED) and serialise per member (advisory locks) before counting."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from django.db import transaction
from freezegun import freeze_time

from omniloop.attribution.services import binding_touch
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import Message
from omniloop.messaging.outbox import message_enqueue
from tests.concurrency.helpers import run_at_once
from tests.factories import make_store
from tests.messaging.conftest import NOON, member_with

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PROMO = {"brand": "Omni", "title": "上新", "body": "八折"}


def _drain(i: int) -> int:
    claimed = 0
    while True:
        batch = deliver_batch(size=2)
        if batch.claimed == 0:
            return claimed
        claimed += batch.claimed


@freeze_time(NOON)
def test_eight_workers_at_once_send_no_member_more_than_the_cap(settings, sms_outbox):
    settings.OMNILOOP_MESSAGING_CAPS = [("sms", 3, 30), ("*", 3, 1)]
    members = [member_with() for _ in range(4)]
    for _ in range(10):
        for m in members:
            message_enqueue(member_id=m.pk, template="promotion", context=PROMO)
    results = run_at_once(8, _drain)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 40
    assert sum(1 for r in results if r) >= 2  # the work really was shared
    per_member = Counter(Message.objects.filter(status="sent").values_list("member_id", flat=True))
    assert per_member == {m.pk: 3 for m in members}
    assert Counter(Message.objects.values_list("status", "reason")) == {
        ("sent", ""): 12,
        ("suppressed", "frequency_cap"): 28,
    }
    assert len(sms_outbox) == 12


def test_quiet_hours_hold_with_workers_at_once_and_notices_still_go(settings, sms_outbox):
    late = datetime.fromisoformat("2026-03-02T22:30:00+08:00")
    with freeze_time(late):
        london = make_store(timezone="Europe/London")  # 14:30 there: not quiet
        home, away = member_with(), member_with()
        binding_touch(member=away, store_id=london.pk, assistant_id=None, source="test")
        for _ in range(5):
            for m in (home, away):
                message_enqueue(member_id=m.pk, template="promotion", context=PROMO)
            message_enqueue(
                member_id=home.pk, template="notice", context={"brand": "B", "body": "x"}
            )
        results = run_at_once(6, _drain)
        assert all(isinstance(r, int) for r in results), results
    rows = Counter(Message.objects.values_list("member_id", "template", "status"))
    assert rows == {
        (home.pk, "promotion", "queued"): 5,  # waits for 09:00 in Shanghai
        (home.pk, "notice", "sent"): 5,
        (away.pk, "promotion", "sent"): 2,  # 2 a day across channels (the default)
        (away.pk, "promotion", "suppressed"): 3,
    }
    assert set(Message.objects.filter(status="queued").values_list("due_at", flat=True)) == {
        datetime.fromisoformat("2026-03-03T09:00:00+08:00")
    }


def test_the_same_dedupe_key_from_racing_transactions_is_one_message():
    member = member_with()

    def enqueue(i: int) -> str:
        with transaction.atomic():
            msg = message_enqueue(
                member_id=member.pk,
                template="notice",
                context={"brand": "B", "body": str(i)},
                dedupe_key="order:42:ready",
            )
            return msg.uid.hex

    results = run_at_once(6, enqueue)
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    assert Message.objects.count() == 1
