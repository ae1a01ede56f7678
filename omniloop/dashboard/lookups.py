"""Reads the dashboard composes from several selectors. Scoping always comes from the selectors
themselves (`member_list_for_actor`, `member_scans`...): nothing here filters by store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from omniloop.accounts.access import Actor, sees_unmasked_phone
from omniloop.attribution.selectors import member_list_for_actor
from omniloop.core.errors import ValidationFailed
from omniloop.core.phones import parse_phone
from omniloop.members.models import Member
from omniloop.members.selectors import member_by_phone
from omniloop.orders.models import Order
from omniloop.orders.selectors import member_orders
from omniloop.touchpoints.models import ScanEvent
from omniloop.touchpoints.selectors import member_scans


def _phone_like(query: str) -> bool:
    digits = sum(ch.isdigit() for ch in query)
    return query.startswith("+") or digits >= 11


def member_search(*, actor: Actor, query: str, assistant_id: int | None) -> QuerySet[Member]:
    """Members by code prefix or name; for roles that may see full numbers, a full phone
    number finds its member too (still inside the actor's scope)."""
    scoped = member_list_for_actor(actor=actor, assistant_id=assistant_id)
    if query and sees_unmasked_phone(actor) and _phone_like(query):
        try:
            found = member_by_phone(phone=parse_phone(query))
        except ValidationFailed:
            found = None
        if found is not None:
            return scoped.filter(pk=found.pk)
    return member_list_for_actor(actor=actor, assistant_id=assistant_id, query=query)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # "scan" or "order"
    scan: ScanEvent | None = None
    order: Order | None = None


def member_timeline(*, member_id: int, limit: int = 100) -> list[TimelineEntry]:
    """Scans and orders of a member, newest first."""
    entries = [
        TimelineEntry(at=s.scanned_at, kind="scan", scan=s)
        for s in member_scans(member_id=member_id, limit=limit)
    ]
    entries += [
        TimelineEntry(at=o.ordered_at, kind="order", order=o)
        for o in member_orders(member_id=member_id, limit=limit)
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]
