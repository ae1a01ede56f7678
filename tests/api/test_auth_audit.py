"""API refusals: expired tokens are refused, and every 401 and 403 leaves an audit event."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.accounts.models import ApiToken, Role
from omniloop.accounts.services import token_create
from omniloop.audit.models import AuditEvent
from omniloop.core import clock

pytestmark = pytest.mark.django_db
STORES = "/api/v1/stores"


def bearer(secret: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_an_expired_token_gets_401_token_invalid_and_is_audited(client):
    issued = token_create(name="crm", role=Role.MARKETER)
    # It was made a year ago and has just expired (a token is never created expired).
    ApiToken.objects.filter(pk=issued.token.pk).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )
    r = client.get(STORES, REMOTE_ADDR="192.0.2.4", **bearer(issued.secret))
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_invalid"
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.code) == ("api.denied", "denied", "token_invalid")
    assert (event.target_type, event.target_id, event.ip) == ("api_operation", STORES, "192.0.2.4")
    # Nobody is named: an unusable token identifies no caller.
    assert event.actor_token_id is None and event.actor_role == ""


def test_a_token_just_before_expiry_works(client):
    issued = token_create(
        name="crm", role=Role.MARKETER, expires_at=clock.now() + timedelta(minutes=1)
    )
    assert client.get(STORES, **bearer(issued.secret)).status_code == 200
    assert not AuditEvent.objects.exists()


def test_a_missing_token_is_audited(client):
    assert client.get(STORES).status_code == 401
    assert AuditEvent.objects.get().code == "token_invalid"


def test_a_till_on_an_hq_endpoint_is_audited_against_its_token(client, till):
    r = client.get(STORES, **till.auth)
    assert r.status_code == 403
    event = AuditEvent.objects.get()
    assert (event.actor_token_id, event.actor_role) == (till.issued.token.pk, "till")
    assert (event.outcome, event.code) == ("denied", r.json()["error"]["code"])
