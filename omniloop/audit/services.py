"""`audit_record`: the one way an audit event is written."""

from __future__ import annotations

import re
from typing import Protocol

from django.http import HttpRequest

from omniloop.audit.models import AuditEvent
from omniloop.core import clock

# Mainland mobile numbers, with or without +86 and separators: never in a summary in full.
_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


class AuditActor(Protocol):
    """Any caller with a role and an id (`accounts.access.Actor` fits)."""

    @property
    def role(self) -> str: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def token_id(self) -> int | None: ...


def scrub(text: str) -> str:
    """Masks every phone-like number (138****5678) and trims to the column's length."""
    return _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)[:300]


def client_ip(request: HttpRequest | None) -> str | None:
    # REMOTE_ADDR only: a forwarded header is whatever the client wrote, unless a trusted
    # proxy rewrote it, and the proxy in front is a deployment choice (ADR 14).
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor: AuditActor | None = None,
    request: HttpRequest | None = None,
    target_type: str = "",
    target_id: object = "",
    summary: str = "",
    outcome: str = AuditEvent.Outcome.OK,
    code: str = "",
) -> AuditEvent:
    """Appends one audit event. `action` is a stable code (`member.phone_reveal`); the target is
    a type and an id, never a name or a phone; the summary is scrubbed of phone numbers.

    Call it inside the transaction of the change it records, so a change never commits
    without its event (`dashboard.audit.audited` does this for views)."""
    user_agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    return AuditEvent.objects.create(
        at=clock.now(),
        actor_role=actor.role if actor else "",
        actor_user_id=actor.user_id if actor else None,
        actor_token_id=actor.token_id if actor else None,
        action=action[:64],
        target_type=target_type[:32],
        target_id=str(target_id)[:64],
        summary=scrub(summary),
        outcome=outcome,
        code=code[:64],
        ip=client_ip(request),
        user_agent=user_agent[:300],
    )
