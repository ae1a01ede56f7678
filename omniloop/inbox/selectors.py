"""Reading the inbox: the queue an actor sees, one ticket with everything on it, and the
canned replies."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from omniloop.accounts.access import Actor
from omniloop.core import clock
from omniloop.inbox.access import access_ticket, tickets_for_actor
from omniloop.inbox.models import OPEN_STATUSES, CannedReply, Remedy, Ticket, TicketMessage
from omniloop.members.selectors import member_phone_masked


@dataclass(frozen=True)
class TicketFilters:
    status: str = "open"  # open (open or answered), all, or one status
    priority: int | None = None
    channel: str = ""
    escalated: bool = False
    query: str = ""


def ticket_queue(*, actor: Actor, filters: TicketFilters) -> QuerySet[Ticket]:
    """The actor's tickets, most urgent and soonest due first."""
    qs = tickets_for_actor(actor=actor).select_related("assigned_store", "member", "product")
    if filters.status == "open":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif filters.status and filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.escalated:
        qs = qs.filter(escalation_level__gt=0)
    if filters.query:
        qs = qs.filter(Q(number__iexact=filters.query) | Q(summary__icontains=filters.query))
    return qs.order_by("-priority", "first_response_due", "pk")


@dataclass(frozen=True)
class TicketView:
    ticket: Ticket
    messages: list[TicketMessage]
    remedies: list[Remedy]
    member_phone: str
    overdue: bool


def ticket_detail(*, actor: Actor, ticket_id: int) -> TicketView:
    ticket = access_ticket(actor=actor, ticket_id=ticket_id)
    messages = list(ticket.messages.select_related("author"))
    remedies = list(ticket.remedies.select_related("coupon_template", "requested_by"))
    phone = member_phone_masked(member=ticket.member) if ticket.member else ""
    now = clock.now()
    due = ticket.first_response_due if ticket.first_responded_at is None else ticket.resolution_due
    return TicketView(
        ticket=ticket,
        messages=messages,
        remedies=remedies,
        member_phone=phone,
        overdue=ticket.status in OPEN_STATUSES and now > due,
    )


def canned_replies(*, category: str = "") -> list[CannedReply]:
    qs = CannedReply.objects.filter(active=True)
    return sorted(qs, key=lambda c: (c.category != category, c.category, c.title))
