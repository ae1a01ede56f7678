"""Escalation (升级): the every-minute sweep (ADR 11). A ticket whose first response or
resolution is about to be missed (the policy's share of the target has passed) is escalated
one level and raised one priority; a ticket past a target is marked breached and escalated to
level 2, handed to HQ. Each step is a conditional UPDATE, so overlapping runs do it once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Q

from omniloop.core import clock
from omniloop.inbox.models import OPEN_STATUSES, Priority, Ticket, TicketEvent
from omniloop.inbox.targets import escalation_point, service_policy

BATCH = 500


def _step(
    ticket: Ticket, *, level: int, kind: str, note: str, at: datetime, **extra: object
) -> bool:
    updates: dict[str, object] = {"escalation_level": level, "escalated_at": at, **extra}
    if level == 1:
        updates["priority"] = min(ticket.priority + 1, Priority.URGENT)
    if level == 2:
        updates["assigned_store"] = None  # HQ takes it over
    moved = Ticket.objects.filter(pk=ticket.pk, escalation_level__lt=level).update(**updates)
    if moved:
        TicketEvent.objects.create(ticket_id=ticket.pk, kind=kind, note=note, at=at)
    return bool(moved)


def _breach(ticket: Ticket, field: str, at: datetime) -> bool:
    marked = Ticket.objects.filter(pk=ticket.pk, **{field: False}).update(**{field: True})
    if marked:
        TicketEvent.objects.create(ticket_id=ticket.pk, kind="breached", note=field, at=at)
    return bool(marked)


def tickets_escalate(*, at: datetime | None = None) -> int:
    """Escalate and mark breaches as of `at` (now); returns the number of steps taken."""
    at = at or clock.now()
    policy = service_policy()
    steps = 0
    waiting = Ticket.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(first_responded_at__isnull=True, first_response_breached=False)
        | Q(resolution_breached=False)
    )
    for ticket in waiting.order_by("first_response_due", "pk")[:BATCH]:
        with transaction.atomic():
            steps += _ticket(ticket, policy, at)
    return steps


def _ticket(ticket: Ticket, policy: object, at: datetime) -> int:
    steps = 0
    targets = []
    if ticket.first_responded_at is None:
        targets.append(("first_response", ticket.first_response_due, "first_response_breached"))
    targets.append(("resolution", ticket.resolution_due, "resolution_breached"))
    for name, due, flag in targets:
        if getattr(ticket, flag):
            continue
        if at >= due:
            steps += _breach(ticket, flag, at)
            steps += _step(ticket, level=2, kind="escalated", note=f"{name} missed", at=at)
        elif at >= escalation_point(ticket.created_at, due, policy):  # type: ignore[arg-type]
            steps += _step(ticket, level=1, kind="escalated", note=f"{name} due soon", at=at)
        break  # the nearest open target decides
    return steps
