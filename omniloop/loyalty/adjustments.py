"""Manual points adjustments: one staff user asks with a reason, another approves (ADR 13)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from omniloop.accounts.access import Actor, require_points_approver, require_staff_user
from omniloop.attribution.selectors import access_member
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniloop.loyalty.ledger import (
    accounts_lock,
    brand_account,
    entries_write,
    fingerprint,
    member_account,
    posted,
    transaction_open,
)
from omniloop.loyalty.lots import lot_open, lots_take
from omniloop.loyalty.models import AccountKind, PointsAdjustment, TransactionKind
from omniloop.loyalty.services import MAX_POINTS
from omniloop.loyalty.values import DEFAULT_LOT_DAYS, EntryDraft, PostedTransaction


def points_adjustment_request(
    *, actor: Actor, member_id: int, points: int, reason: str
) -> PointsAdjustment:
    """Ask for `points` (signed) to be added to a member the actor may see. Nothing moves until
    another user approves."""
    user_id = require_staff_user(actor)
    member = access_member(actor=actor, member_id=member_id)
    if points == 0 or abs(points) > MAX_POINTS:
        raise ValidationFailed(f"Adjust by 1-{MAX_POINTS} points.", code="points_invalid")
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationFailed("Give a reason (1-200 characters).", code="points_reason_required")
    return PointsAdjustment.objects.create(
        member=member,
        points=points,
        reason=reason,
        requested_by_id=user_id,
        requested_at=clock.now(),
    )


def points_adjustment_approve(
    *, actor: Actor, adjustment_id: int, at: datetime | None = None
) -> PostedTransaction:
    """Post a pending adjustment (reference `adjust:<id>`) against the brand's adjustment
    account. The approver is not the requester and not store staff; a debit beyond what the
    member can spend is 409 `points_insufficient` and leaves the adjustment pending."""
    approver_id = require_points_approver(actor)
    at = at or clock.now()
    with transaction.atomic():
        adjustment = _pending(adjustment_id)
        if adjustment.requested_by_id == approver_id:
            raise PermissionDenied(
                "Someone else must approve your adjustment.", code="points_adjustment_own"
            )
        txn = transaction_open(
            reference=f"adjust:{adjustment.pk}",
            kind=TransactionKind.ADJUST,
            fingerprint=fingerprint("adjust", adjustment=adjustment.pk),
            at=at,
            note=adjustment.reason,
        )
        if isinstance(txn, PostedTransaction):  # cannot happen: approving posts and decides
            raise Conflict("This adjustment was already posted.", code="points_adjustment_decided")
        account = member_account(adjustment.member_id)
        brand = brand_account(AccountKind.ADJUSTMENT)
        if adjustment.points > 0:
            lot_id = lot_open(
                account_id=account.pk,
                txn_id=txn.pk,
                points=adjustment.points,
                expires_at=at + timedelta(days=DEFAULT_LOT_DAYS),
            )
            drafts = [EntryDraft(account_id=account.pk, amount=adjustment.points, lot_id=lot_id)]
        else:
            accounts_lock([account.pk])
            drafts = lots_take(account_id=account.pk, points=-adjustment.points, at=at)
        entries_write(txn, [*drafts, EntryDraft(account_id=brand.pk, amount=-adjustment.points)])
        _decide(adjustment, PointsAdjustment.State.APPROVED, approver_id, at, txn_id=txn.pk)
        return posted(txn, points=abs(adjustment.points))


def points_adjustment_reject(*, actor: Actor, adjustment_id: int) -> None:
    approver_id = require_points_approver(actor)
    with transaction.atomic():
        adjustment = _pending(adjustment_id)
        _decide(adjustment, PointsAdjustment.State.REJECTED, approver_id, clock.now())


def _pending(adjustment_id: int) -> PointsAdjustment:
    adjustment = PointsAdjustment.objects.select_for_update().filter(pk=adjustment_id).first()
    if adjustment is None:
        raise NotFound("Adjustment not found.", code="points_adjustment_not_found")
    if adjustment.state != PointsAdjustment.State.PENDING:
        raise Conflict("This adjustment was already decided.", code="points_adjustment_decided")
    return adjustment


def _decide(
    adjustment: PointsAdjustment, state: str, user_id: int, at: datetime, txn_id: int | None = None
) -> None:
    adjustment.state = state
    adjustment.decided_by_id = user_id
    adjustment.decided_at = at
    adjustment.transaction_id = txn_id
    adjustment.save(update_fields=["state", "decided_by", "decided_at", "transaction"])
