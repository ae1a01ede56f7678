"""What the dashboard writes to the audit trail: staff changes (inside the change's
transaction) and refusals (from `staff_view`)."""

from __future__ import annotations

from django.http import HttpRequest

from omniloop.accounts.access import Actor
from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record


def audit_change(
    request: HttpRequest,
    actor: Actor,
    action: str,
    *,
    target_type: str,
    target_id: object,
    summary: str = "",
) -> None:
    """Call inside the `transaction.atomic()` that makes the change."""
    audit_record(
        action=action,
        actor=actor,
        request=request,
        target_type=target_type,
        target_id=target_id,
        summary=summary,
    )


def audit_denied(request: HttpRequest, actor: Actor | None, *, view: str, code: str) -> None:
    """A refused page or action: the target is the view, the code says why (a 404 is recorded
    too, since another store's object answers exactly like a missing one)."""
    audit_record(
        action="dashboard.denied",
        actor=actor,
        request=request,
        target_type="dashboard_view",
        target_id=view,
        summary=f"{request.method} {request.path}",
        outcome=AuditEvent.Outcome.DENIED,
        code=code,
    )
