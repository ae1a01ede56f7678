"""E-mail bounces and complaints through the signed webhook (`/msg/hooks/email/feedback/`):
a hard bounce makes the address unreachable (the policy skips e-mail), a complaint withdraws
e-mail consent (recorded and audited), a soft bounce is only recorded; each event once by its
id; a bad signature, a stale timestamp or a bad item writes nothing."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.urls import reverse
from freezegun import freeze_time

from omniloop.audit.models import AuditEvent
from omniloop.members.models import ConsentRecord
from omniloop.messaging.delivery import deliver_batch
from omniloop.messaging.models import EmailFeedback, Message, MessagingProfile
from omniloop.messaging.outbox import message_enqueue
from omniloop.messaging.services import messaging_profile_set
from tests.messaging.conftest import NOON, member_with

pytestmark = pytest.mark.django_db
SECRET = "mail-hook-secret"
PROMO = {"brand": "Omni", "title": "上新", "body": "八折"}


@pytest.fixture(autouse=True)
def _secret(settings):
    settings.OMNILOOP_EMAIL_WEBHOOK_SECRET = SECRET


def _post(client, events, *, secret=SECRET, stamp=None):
    raw = json.dumps(events).encode()
    ts = str(int(time.time()) if stamp is None else stamp)
    # Computed here with hmac, not with the code under test.
    signature = hmac.new(secret.encode(), f"{ts}.".encode() + raw, hashlib.sha256).hexdigest()
    return client.post(
        reverse("messaging:email_feedback"),
        raw,
        content_type="application/json",
        HTTP_X_OMNILOOP_TIMESTAMP=ts,
        HTTP_X_OMNILOOP_SIGNATURE=signature,
    )


def _member(address: str, *consents: str):
    member = member_with(consents=consents)
    messaging_profile_set(member=member, email=address)
    return member


def _message(member, **kw) -> Message:
    return message_enqueue(
        member_id=member.pk, template="notice", context={"brand": "O", "body": "x"}, **kw
    )


@freeze_time(NOON)
def test_a_hard_bounce_makes_the_address_unreachable_until_it_changes(client, mailoutbox):
    member = _member("ann@example.com")
    sent = _message(member)
    r = _post(
        client,
        [
            {
                "event_id": "evt-1",
                "type": "hard_bounce",
                "message_id": f"<{sent.uid.hex}@omniloop.local>",
                "timestamp": "2026-03-02T02:00:00+00:00",
                "detail": "550 5.1.1 user unknown",
            }
        ],
    )
    assert (r.status_code, r.json()["outcomes"]) == (200, ["hard_bounce"])
    profile = MessagingProfile.objects.get(member=member)
    assert profile.email_unreachable_at is not None
    assert profile.email_unreachable_reason == "550 5.1.1 user unknown"
    feedback = EmailFeedback.objects.get()
    assert (feedback.kind, feedback.message_id, feedback.member_id) == (
        "hard_bounce",
        sent.pk,
        member.pk,
    )
    later = _message(member, channel="email", dedupe_key="later")
    deliver_batch()
    later.refresh_from_db()
    assert (later.status, later.reason) == ("suppressed", "unreachable")
    assert mailoutbox == []
    messaging_profile_set(member=member, email="ann@new.example")  # a new address
    again = _message(member, channel="email", dedupe_key="again")
    deliver_batch()
    again.refresh_from_db()
    assert again.status == "sent" and mailoutbox[0].to == ["ann@new.example"]


@freeze_time(NOON)
def test_a_complaint_by_address_withdraws_consent_and_is_audited(client):
    member = _member("Bob@Example.com", "email")
    promo = message_enqueue(
        member_id=member.pk, template="promotion", context=PROMO, channel="email"
    )
    r = _post(client, [{"event_id": "c-1", "type": "complaint", "email": "bob@example.com"}])
    assert (r.status_code, r.json()["outcomes"]) == (200, ["complaint"])
    latest = ConsentRecord.objects.filter(member=member, channel="email").latest("pk")
    assert (latest.granted, latest.source) == (False, "complaint:c-1")
    audit = AuditEvent.objects.get(action="messaging.email_complaint")
    assert audit.target_id == str(member.pk)
    deliver_batch()
    promo.refresh_from_db()
    assert (promo.status, promo.reason) == ("suppressed", "no_consent")


def test_a_soft_bounce_is_only_recorded(client):
    member = _member("cy@example.com", "email")
    sent = _message(member)
    r = _post(client, [{"event_id": "s-1", "type": "soft_bounce", "message_id": sent.uid.hex}])
    assert r.json()["outcomes"] == ["soft_bounce"]
    assert EmailFeedback.objects.get().kind == "soft_bounce"
    assert MessagingProfile.objects.get(member=member).email_unreachable_at is None
    assert not ConsentRecord.objects.filter(member=member, granted=False).exists()


def test_a_replayed_event_changes_nothing_more(client):
    member = _member("dee@example.com", "email")
    event = {"event_id": "c-2", "type": "complaint", "email": "dee@example.com"}
    assert _post(client, [event]).json()["outcomes"] == ["complaint"]
    assert _post(client, [event]).json()["outcomes"] == ["duplicate"]
    assert EmailFeedback.objects.count() == 1
    assert ConsentRecord.objects.filter(member=member, granted=False).count() == 1
    assert AuditEvent.objects.filter(action="messaging.email_complaint").count() == 1


def test_an_unknown_message_or_address_is_recorded_and_changes_nothing(client):
    member = _member("eve@example.com", "email")
    r = _post(client, [{"event_id": "h-9", "type": "hard_bounce", "email": "nobody@example.com"}])
    assert r.json()["outcomes"] == ["unknown"]
    assert MessagingProfile.objects.get(member=member).email_unreachable_at is None


@pytest.mark.parametrize(
    "how", ["wrong_secret", "stale", "no_secret_configured", "bad_item", "not_a_list"]
)
def test_refused_requests_write_nothing(client, settings, how):
    member = _member("fay@example.com", "email")
    good = {"event_id": "h-1", "type": "hard_bounce", "email": "fay@example.com"}
    if how == "wrong_secret":
        r = _post(client, [good], secret="guess")
    elif how == "stale":
        r = _post(client, [good], stamp=int(time.time()) - 3600)
    elif how == "no_secret_configured":
        settings.OMNILOOP_EMAIL_WEBHOOK_SECRET = ""
        r = _post(client, [good], secret="")
    elif how == "bad_item":  # one good event and one without a type: the batch is refused
        r = _post(client, [good, {"event_id": "h-2", "email": "fay@example.com"}])
    else:
        r = _post(client, good)
    assert r.status_code == (400 if how == "bad_item" else 403)
    assert r.json()["code"] in ("webhook_signature_invalid", "email_feedback_invalid")
    assert EmailFeedback.objects.count() == 0
    assert MessagingProfile.objects.get(member=member).email_unreachable_at is None


def test_addresses_set_before_the_index_are_indexed_by_the_migration(client):
    import importlib

    from django.apps import apps

    member = _member("old@example.com")
    MessagingProfile.objects.filter(member=member).update(email_index="")
    migration = importlib.import_module("omniloop.messaging.migrations.0004_email_index_backfill")
    migration.backfill(apps, None)
    r = _post(client, [{"event_id": "h-old", "type": "hard_bounce", "email": "OLD@example.com"}])
    assert r.json()["outcomes"] == ["hard_bounce"]
    assert MessagingProfile.objects.get(member=member).email_unreachable_at is not None
