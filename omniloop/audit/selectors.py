"""Reading the audit trail: the HQ admin's search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from omniloop.audit.models import AuditEvent


@dataclass(frozen=True)
class AuditQuery:
    """What the audit page filters by; empty fields do not filter."""

    actor: str = ""  # "user:12", "token:3", or a bare user id
    action: str = ""  # exact code, or a prefix ending in "." ("offer.")
    target_type: str = ""
    target_id: str = ""
    outcome: str = ""
    date_from: date | None = None
    date_to: date | None = None


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_event_search(*, query: AuditQuery) -> QuerySet[AuditEvent]:
    """Newest first. Dates are whole days in the brand's time zone, both ends included."""
    qs = AuditEvent.objects.all()
    kind, _, ident = query.actor.partition(":")
    if query.actor and not ident:
        kind, ident = "user", kind
    if ident.isdigit():
        field = "actor_token_id" if kind == "token" else "actor_user_id"
        qs = qs.filter(**{field: int(ident)})
    elif query.actor:
        qs = qs.none()
    if query.action.endswith("."):
        qs = qs.filter(action__startswith=query.action)
    elif query.action:
        qs = qs.filter(action=query.action)
    if query.target_type:
        qs = qs.filter(target_type=query.target_type)
    if query.target_id:
        qs = qs.filter(target_id=query.target_id)
    if query.outcome:
        qs = qs.filter(outcome=query.outcome)
    if query.date_from:
        qs = qs.filter(at__gte=_day_start(query.date_from))
    if query.date_to:
        qs = qs.filter(at__lt=_day_start(query.date_to + timedelta(days=1)))
    return qs.order_by("-at", "-pk")


def audit_action_codes() -> list[str]:
    """The action codes recorded so far, for the page's filter."""
    return sorted(AuditEvent.objects.values_list("action", flat=True).distinct())
