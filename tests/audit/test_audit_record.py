from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from omniloop.accounts.access import Actor
from omniloop.audit.models import AuditEvent, AuditEventImmutable
from omniloop.audit.services import audit_record, scrub

pytestmark = pytest.mark.django_db


def test_records_who_what_where_and_outcome():
    request = RequestFactory().post(
        "/x", REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Mozilla/5.0 test"
    )
    actor = Actor(role="hq_admin", store_id=None, user_id=7)
    event = audit_record(
        action="offer.pause",
        actor=actor,
        request=request,
        target_type="offer",
        target_id=42,
        summary="status=paused",
    )
    row = AuditEvent.objects.values().get(pk=event.pk)
    assert {k: row[k] for k in ("actor_role", "actor_user_id", "actor_token_id", "action")} == {
        "actor_role": "hq_admin",
        "actor_user_id": 7,
        "actor_token_id": None,
        "action": "offer.pause",
    }
    assert (row["target_type"], row["target_id"], row["outcome"]) == ("offer", "42", "ok")
    assert (row["ip"], row["user_agent"]) == ("203.0.113.9", "Mozilla/5.0 test")
    assert row["at"] is not None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("called 13800138001 today", "called 138****8001 today"),
        ("+86 138-0013-8001", "138****8001"),
        ("8613800138001", "138****8001"),
        ("member code 812345678901 stays", "member code 812345678901 stays"),
        ("store=3 assistant=12", "store=3 assistant=12"),
    ],
)
def test_summaries_never_hold_a_full_phone(text, expected):
    assert scrub(text) == expected
    assert audit_record(action="t", summary=text).summary == expected


def test_the_model_refuses_updates_and_deletes():
    event = audit_record(action="t")
    event.summary = "changed"
    with pytest.raises(AuditEventImmutable):
        event.save()
    with pytest.raises(AuditEventImmutable):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == ""


@pytest.mark.postgres
def test_postgres_refuses_update_and_delete_from_any_client():
    event = audit_record(action="t", summary="kept")
    for sql in (
        "UPDATE audit_auditevent SET summary = 'changed' WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [event.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(summary="changed")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.get(pk=event.pk).summary == "kept"
