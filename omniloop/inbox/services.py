"""Tickets' lifecycle: open (from any channel), customer follow-ups, replies and notes,
assignment, resolve, close and the customer's rating. Every write is one transaction; a
reply's delivery is a task enqueued in it (`replies.py`)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from omniloop.accounts.access import Actor, require_staff_user
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.inbox.access import INBOX_HQ_ROLES, access_ticket
from omniloop.inbox.models import (
    OPEN_STATUSES,
    CannedReply,
    Category,
    Channel,
    Priority,
    Status,
    Ticket,
    TicketEvent,
    TicketMessage,
)
from omniloop.inbox.replies import reply_enqueue, reply_route
from omniloop.inbox.targets import targets_for
from omniloop.inbox.triage import triage
from omniloop.members.models import Member

MAX_BODY = 2000


@dataclass(frozen=True)
class Voice:
    """What any channel brings in: the words and whatever they are about."""

    channel: str
    body: str
    source_ref: str = ""
    member_id: int | None = None
    order_id: int | None = None
    store_id: int | None = None
    product_id: int | None = None
    wechat_openid: str = ""
    author_name: str = ""
    category: str = ""
    rating: int | None = None
    at: datetime | None = None


def _number() -> str:
    return "T" + secrets.token_hex(5).upper()


def _clean(body: str) -> str:
    body = body.strip()
    if not body:
        raise ValidationFailed("Say what happened.", code="ticket_body_required")
    return body[:MAX_BODY]


def ticket_open(*, voice: Voice, author_id: int | None = None) -> Ticket:
    """A new ticket, triaged and given its targets, assigned to its store (or HQ when it has
    none). With a `source_ref` it is one ticket per (channel, ref): a replay returns the first."""
    body = _clean(voice.body)
    if voice.channel not in Channel.values:
        raise ValidationFailed("Unknown channel.", code="ticket_channel_invalid")
    if voice.source_ref:
        known = Ticket.objects.filter(channel=voice.channel, source_ref=voice.source_ref).first()
        if known is not None:
            return known
    at = voice.at or clock.now()
    sorted_ = triage(body, category=voice.category, rating=voice.rating)
    first_due, resolve_due = targets_for(priority=sorted_.priority, at=at)
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                number=_number(),
                channel=voice.channel,
                source_ref=voice.source_ref[:160],
                member_id=voice.member_id,
                order_id=voice.order_id,
                store_id=voice.store_id,
                product_id=voice.product_id,
                assigned_store_id=voice.store_id,
                wechat_openid=voice.wechat_openid[:64],
                author_name=voice.author_name[:100],
                summary=body.splitlines()[0][:200],
                category=sorted_.category,
                priority=sorted_.priority,
                created_at=at,
                last_inbound_at=at,
                first_response_due=first_due,
                resolution_due=resolve_due,
            )
            TicketMessage.objects.create(
                ticket=ticket,
                direction=TicketMessage.Direction.IN,
                body=body,
                created_at=at,
                author_id=author_id,
            )
            note = f"{sorted_.category}/{Priority(sorted_.priority).name.lower()}"
            if sorted_.matched:
                note += ": " + ", ".join(sorted_.matched)[:150]
            _event(ticket, "triaged", note, None, at)
    except IntegrityError:  # the same voice, filed at the same moment by another worker
        if not voice.source_ref:
            raise
        known = Ticket.objects.filter(channel=voice.channel, source_ref=voice.source_ref).first()
        if known is None:
            raise
        return known
    return ticket


def ticket_follow_up(*, ticket: Ticket, body: str, at: datetime) -> TicketMessage:
    """The customer wrote again on an open ticket; an urgent word raises its priority."""
    body = _clean(body)
    message = TicketMessage.objects.create(
        ticket=ticket, direction=TicketMessage.Direction.IN, body=body, created_at=at
    )
    fields = ["last_inbound_at"]
    ticket.last_inbound_at = at
    raised = triage(body).priority
    if raised > ticket.priority:
        ticket.priority = raised
        fields.append("priority")
        _event(ticket, "priority_raised", Priority(raised).name.lower(), None, at)
    if ticket.status == Status.ANSWERED:
        ticket.status = Status.OPEN
        fields.append("status")
    ticket.save(update_fields=fields)
    return message


def ticket_reply(*, actor: Actor, ticket_id: int, body: str) -> TicketMessage:
    """A reply to the customer through the channel the voice came from (`replies.py`): its
    delivery is a task enqueued in this transaction. The first reply is the first response."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        ticket = access_ticket(actor=actor, ticket_id=ticket_id, lock=True)  # 404 comes first
        body = _clean(body)
        if ticket.status not in OPEN_STATUSES:
            raise Conflict("This ticket is closed.", code="ticket_closed")
        at = clock.now()
        route = reply_route(ticket)
        message = TicketMessage.objects.create(
            ticket=ticket,
            direction=TicketMessage.Direction.OUT,
            body=body,
            author_id=user_id,
            created_at=at,
            via=route,
            delivery=TicketMessage.Delivery.QUEUED if route else TicketMessage.Delivery.NONE,
        )
        fields = ["status"]
        ticket.status = Status.ANSWERED
        if ticket.first_responded_at is None:
            ticket.first_responded_at = at
            fields.append("first_responded_at")
            if at > ticket.first_response_due and not ticket.first_response_breached:
                ticket.first_response_breached = True
                fields.append("first_response_breached")
        if ticket.assignee_id is None:
            ticket.assignee_id = user_id
            fields.append("assignee")
        ticket.save(update_fields=fields)
        if route:
            reply_enqueue(message.pk)
    return message


def ticket_note(*, actor: Actor, ticket_id: int, body: str) -> TicketMessage:
    """A staff-only note on the ticket (never sent)."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        ticket = access_ticket(actor=actor, ticket_id=ticket_id, lock=True)
        return TicketMessage.objects.create(
            ticket=ticket,
            direction=TicketMessage.Direction.NOTE,
            body=_clean(body),
            author_id=user_id,
            created_at=clock.now(),
        )


def ticket_assign(*, actor: Actor, ticket_id: int, store_id: int | None) -> Ticket:
    """Give the ticket to a store or to HQ (None). Only HQ moves tickets between stores; a
    store may hand its own ticket up to HQ."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        ticket = access_ticket(actor=actor, ticket_id=ticket_id, lock=True)
        if actor.role not in INBOX_HQ_ROLES and store_id is not None:
            raise ValidationFailed("A store can only hand a ticket to HQ.", code="assign_store")
        ticket.assigned_store_id = store_id
        ticket.assignee_id = None
        ticket.save(update_fields=["assigned_store", "assignee"])
        _event(ticket, "assigned", f"store:{store_id}" if store_id else "hq", user_id, clock.now())
        return ticket


def ticket_resolve(*, actor: Actor, ticket_id: int, close: bool = False) -> Ticket:
    """Resolved (solved, the customer may still rate) or closed. Missing the resolution
    target is recorded as a breach."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        ticket = access_ticket(actor=actor, ticket_id=ticket_id, lock=True)
        if ticket.status not in OPEN_STATUSES and not (close and ticket.status == Status.RESOLVED):
            raise Conflict("This ticket is already resolved.", code="ticket_closed")
        at = clock.now()
        fields = ["status"]
        if ticket.resolved_at is None:
            ticket.resolved_at = at
            fields.append("resolved_at")
            if at > ticket.resolution_due and not ticket.resolution_breached:
                ticket.resolution_breached = True
                fields.append("resolution_breached")
        ticket.status = Status.CLOSED if close else Status.RESOLVED
        if close:
            ticket.closed_at = at
            fields.append("closed_at")
        ticket.save(update_fields=fields)
        _event(ticket, "closed" if close else "resolved", "", user_id, at)
        if "resolved_at" in fields:
            _ask_for_rating(ticket, at)
        return ticket


def _ask_for_rating(ticket: Ticket, at: datetime) -> None:
    """Once solved, the customer is asked to rate it (满意度), by the route replies take."""
    route = reply_route(ticket)
    if not route or ticket.member_id is None:
        return
    link = f"{settings.OMNILOOP_BASE_URL}/m/feedback"
    message = TicketMessage.objects.create(
        ticket=ticket,
        direction=TicketMessage.Direction.OUT,
        body=f"您的问题（{ticket.number}）已处理。请为我们的服务打分：{link}",
        created_at=at,
        via=route,
        delivery=TicketMessage.Delivery.QUEUED,
    )
    reply_enqueue(message.pk)


def ticket_rate(*, ticket_id: int, member: Member, score: int, comment: str = "") -> Ticket:
    """The customer's satisfaction (满意度, 1-5) once the ticket is resolved; once only."""
    if not 1 <= score <= 5:
        raise ValidationFailed("Rate 1 to 5.", code="rating_invalid")
    with transaction.atomic():
        ticket = (
            Ticket.objects.select_for_update().filter(pk=ticket_id, member_id=member.pk).first()
        )
        if ticket is None:
            raise NotFound("Ticket not found.", code="ticket_not_found")
        if ticket.status not in (Status.RESOLVED, Status.CLOSED):
            raise Conflict("This ticket is not resolved yet.", code="ticket_not_resolved")
        if ticket.satisfaction is not None:
            raise Conflict("Already rated, thank you.", code="ticket_rated")
        at = clock.now()
        ticket.satisfaction = score
        ticket.satisfaction_comment = comment.strip()[:300]
        ticket.status = Status.CLOSED
        ticket.closed_at = ticket.closed_at or at
        ticket.save(update_fields=["satisfaction", "satisfaction_comment", "status", "closed_at"])
        _event(ticket, "rated", str(score), None, at)
        return ticket


def _event(ticket: Ticket, kind: str, note: str, by: int | None, at: datetime) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=kind, note=note[:200], by_id=by, at=at)


def merge_move_tickets(survivor: Member, merged: Member) -> int:
    return Ticket.objects.filter(member=merged).update(member=survivor)


def canned_reply_save(
    *, title: str, body: str, category: str = "", reply_id: int | None = None
) -> CannedReply:
    """Add a canned reply (快捷回复), or change one."""
    title, body = title.strip()[:60], body.strip()[:1000]
    if not title or not body:
        raise ValidationFailed("A canned reply needs a title and a text.", code="canned_invalid")
    if category and category not in Category.values:
        raise ValidationFailed("Unknown category.", code="canned_invalid")
    reply = CannedReply(pk=reply_id) if reply_id else CannedReply()
    if reply_id and not CannedReply.objects.filter(pk=reply_id).exists():
        raise NotFound("Canned reply not found.", code="canned_not_found")
    reply.title, reply.body, reply.category, reply.active = title, body, category, True
    reply.save()
    return reply


def canned_reply_set_active(*, reply_id: int, active: bool) -> None:
    if not CannedReply.objects.filter(pk=reply_id).update(active=active):
        raise NotFound("Canned reply not found.", code="canned_not_found")
