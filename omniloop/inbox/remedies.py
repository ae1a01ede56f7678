"""Remedies (补偿): a compensation coupon or points for the ticket's member, within the
asking role's limit (by value, in fen); above it the remedy waits for a higher role whose
limit covers it. Granting is once: the remedy row is locked and leaves `pending` once."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from omniloop.accounts.access import Actor, require_staff_user
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniloop.inbox.access import access_ticket, tickets_for_actor
from omniloop.inbox.models import Remedy, Ticket, TicketEvent
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.services import points_earn
from omniloop.members.models import Member
from omniloop.promotions.coupons_issue import coupon_compensate
from omniloop.promotions.models import CouponTemplate

# Who outranks whom for approvals; marketers have no inbox.
ROLE_RANK = {"assistant": 1, "store_manager": 2, "cs_agent": 3, "hq_admin": 4}
MAX_POINTS = 100_000


@dataclass(frozen=True)
class RemedyRequest:
    kind: str
    coupon_template_id: int | None = None
    points: int = 0


def remedy_limit_fen(role: str) -> int:
    """What a role may grant on its own, in fen (settings `OMNILOOP_INBOX_REMEDY_LIMITS`)."""
    return int(settings.OMNILOOP_INBOX_REMEDY_LIMITS.get(role, 0))


def coupon_value_fen(template: CouponTemplate) -> int | None:
    """A coupon's face value: the amount an amount-off offer takes. Other kinds (percentages)
    have no fixed value and need a role without a limit (None)."""
    offer = template.offer
    if offer.kind == "amount_off":
        return int(offer.params.get("amount", 0))
    return None


def _value(request: RemedyRequest) -> tuple[int, CouponTemplate | None]:
    if request.kind == Remedy.Kind.POINTS:
        if not 1 <= request.points <= MAX_POINTS:
            raise ValidationFailed(f"Give 1-{MAX_POINTS} points.", code="remedy_points_invalid")
        # What the points pay at checkout, rounded up to the fen.
        return -(-request.points * 100 // points_policy().redeem_points_per_yuan), None
    if request.kind != Remedy.Kind.COUPON:
        raise ValidationFailed("A coupon or points.", code="remedy_kind_invalid")
    template = (
        CouponTemplate.objects.select_related("offer")
        .filter(pk=request.coupon_template_id or 0, active=True)
        .first()
    )
    if template is None:
        raise ValidationFailed("Choose an active coupon.", code="remedy_coupon_invalid")
    value = coupon_value_fen(template)
    return (value if value is not None else 10**9), template


def remedy_request(*, actor: Actor, ticket_id: int, request: RemedyRequest) -> Remedy:
    """Within the actor's limit the remedy is granted now; above it, it waits for approval."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        ticket = access_ticket(actor=actor, ticket_id=ticket_id, lock=True)  # 404 comes first
        value, template = _value(request)
        if ticket.member_id is None:
            raise ValidationFailed("This ticket has no member to compensate.", code="no_member")
        at = clock.now()
        remedy = Remedy.objects.create(
            ticket=ticket,
            kind=request.kind,
            coupon_template=template,
            points=request.points if request.kind == Remedy.Kind.POINTS else 0,
            value_fen=min(value, 2**31 - 1),
            state=Remedy.State.PENDING,
            requested_by_id=user_id,
            requested_role=actor.role,
            requested_at=at,
        )
        TicketEvent.objects.create(
            ticket=ticket, kind="remedy_requested", note=_describe(remedy), by_id=user_id, at=at
        )
        if value <= remedy_limit_fen(actor.role):
            _grant(remedy, ticket, user_id)
    return remedy


def remedy_approve(*, actor: Actor, remedy_id: int) -> Remedy:
    """A higher role than the requester's, whose own limit covers the value, grants it."""
    user_id = require_staff_user(actor)
    with transaction.atomic():
        remedy = _pending(actor, remedy_id)
        _check_approver(actor, remedy, user_id)
        ticket = Ticket.objects.select_for_update().get(pk=remedy.ticket_id)
        _grant(remedy, ticket, user_id)
        return remedy


def remedy_reject(*, actor: Actor, remedy_id: int) -> Remedy:
    user_id = require_staff_user(actor)
    with transaction.atomic():
        remedy = _pending(actor, remedy_id)
        _check_approver(actor, remedy, user_id)
        at = clock.now()
        remedy.state, remedy.decided_by_id, remedy.decided_at = Remedy.State.REJECTED, user_id, at
        remedy.save(update_fields=["state", "decided_by", "decided_at"])
        TicketEvent.objects.create(
            ticket_id=remedy.ticket_id,
            kind="remedy_rejected",
            note=_describe(remedy),
            by_id=user_id,
            at=at,
        )
        return remedy


def remedies_pending_for(*, actor: Actor) -> list[Remedy]:
    """The pending remedies this actor could approve."""
    rank = ROLE_RANK.get(actor.role, 0)
    limit = remedy_limit_fen(actor.role)
    tickets = tickets_for_actor(actor=actor)
    return [
        r
        for r in Remedy.objects.filter(state=Remedy.State.PENDING, ticket__in=tickets)
        .select_related("ticket", "coupon_template", "requested_by")
        .order_by("requested_at")
        if ROLE_RANK.get(r.requested_role, 0) < rank and r.value_fen <= limit
    ]


def _pending(actor: Actor, remedy_id: int) -> Remedy:
    remedy = (
        Remedy.objects.select_for_update()
        .filter(pk=remedy_id, ticket__in=tickets_for_actor(actor=actor))
        .first()
    )
    if remedy is None:
        raise NotFound("Remedy not found.", code="remedy_not_found")
    if remedy.state != Remedy.State.PENDING:
        raise Conflict("This remedy was already decided.", code="remedy_decided")
    return remedy


def _check_approver(actor: Actor, remedy: Remedy, user_id: int) -> None:
    if user_id == remedy.requested_by_id:
        raise PermissionDenied("Someone else must approve it.", code="remedy_own")
    if ROLE_RANK.get(actor.role, 0) <= ROLE_RANK.get(remedy.requested_role, 0):
        raise PermissionDenied("A higher role must approve it.", code="remedy_rank")
    if remedy.value_fen > remedy_limit_fen(actor.role):
        raise PermissionDenied("This is above your limit too.", code="remedy_above_limit")


def _grant(remedy: Remedy, ticket: Ticket, user_id: int) -> None:
    member = Member.objects.get(pk=ticket.member_id or 0)
    at = clock.now()
    fields = ["state", "decided_by", "decided_at"]
    if remedy.kind == Remedy.Kind.COUPON:
        assert remedy.coupon_template is not None
        remedy.coupon = coupon_compensate(template=remedy.coupon_template, member=member, at=at)
        fields.append("coupon")
    else:
        points_earn(
            member=member,
            points=remedy.points,
            reference=f"inbox-remedy:{remedy.pk}",
            note=f"ticket {ticket.number}",
            at=at,
        )
    remedy.state, remedy.decided_by_id, remedy.decided_at = Remedy.State.GRANTED, user_id, at
    remedy.save(update_fields=fields)
    TicketEvent.objects.create(
        ticket=ticket, kind="remedy_granted", note=_describe(remedy), by_id=user_id, at=at
    )


def _describe(remedy: Remedy) -> str:
    if remedy.kind == Remedy.Kind.POINTS:
        return f"{remedy.points} points"
    name = remedy.coupon_template.name if remedy.coupon_template else ""
    return f"coupon {name} ({Decimal(remedy.value_fen) / 100:.2f})"
