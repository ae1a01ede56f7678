"""Who reaches which ticket. Customer-service agents and HQ admins reach every ticket; store
managers and assistants only their store's (assigned to it); anyone else none. Another
store's ticket answers 404, as the house rule says (its existence does not leak)."""

from __future__ import annotations

from django.db.models import QuerySet

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.core.errors import NotFound, PermissionDenied
from omniloop.inbox.models import Ticket

INBOX_HQ_ROLES = frozenset({Role.HQ_ADMIN.value, Role.CS_AGENT.value})
INBOX_STORE_ROLES = frozenset({Role.STORE_MANAGER.value, Role.ASSISTANT.value})
INBOX_ROLES = INBOX_HQ_ROLES | INBOX_STORE_ROLES


def tickets_for_actor(*, actor: Actor) -> QuerySet[Ticket]:
    if actor.role in INBOX_HQ_ROLES:
        return Ticket.objects.all()
    if actor.role in INBOX_STORE_ROLES and actor.store_id is not None:
        return Ticket.objects.filter(assigned_store_id=actor.store_id)
    raise PermissionDenied("Your role has no inbox.", code="role_forbidden")


def access_ticket(*, actor: Actor, ticket_id: int, lock: bool = False) -> Ticket:
    qs = tickets_for_actor(actor=actor)
    if lock:
        qs = qs.select_for_update()
    ticket = qs.filter(pk=ticket_id).first()
    if ticket is None:
        raise NotFound("Ticket not found.", code="ticket_not_found")
    return ticket
