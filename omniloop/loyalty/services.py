"""Earning and spending points (ADR 13). Each is one balanced ledger transaction, posted once per
reference: a retried welcome, sale or redemption replays the first answer and never pays twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
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
from omniloop.loyalty.models import AccountKind, LedgerAccount, TransactionKind
from omniloop.loyalty.values import (
    DEFAULT_LOT_DAYS,
    EntryDraft,
    PointsInsufficient,
    PostedTransaction,
)
from omniloop.members.models import Member

MAX_POINTS = 10_000_000


def points_earn(
    *,
    member: Member,
    points: int,
    reference: str,
    note: str = "",
    expires_at: datetime | None = None,
    at: datetime | None = None,
) -> PostedTransaction:
    """Credit `points` to the member as one new lot (issuance -> member), expiring at
    `expires_at` (default: DEFAULT_LOT_DAYS after `at`)."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("earn", member=member.pk, points=points, expires_at=expires_at)
    with transaction.atomic():
        txn = transaction_open(
            reference=reference, kind=TransactionKind.EARN, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            return txn
        account = member_account(member.pk)
        lot = lot_open(
            account=account,
            txn=txn,
            points=points,
            expires_at=expires_at or at + timedelta(days=DEFAULT_LOT_DAYS),
        )
        issuance = brand_account(AccountKind.ISSUANCE)
        entries_write(
            txn,
            [
                EntryDraft(account_id=account.pk, amount=points, lot_id=lot.pk),
                EntryDraft(account_id=issuance.pk, amount=-points),
            ],
        )
        return posted(txn, points=points)


def points_burn(
    *, member: Member, points: int, reference: str, note: str = "", at: datetime | None = None
) -> PostedTransaction:
    """Spend `points` of the member's (member -> redemption), soonest-expiring lots first. More
    than the member can spend is 409 `points_insufficient` and writes nothing."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("burn", member=member.pk, points=points)
    with transaction.atomic():
        txn = transaction_open(
            reference=reference, kind=TransactionKind.BURN, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            return txn
        account = LedgerAccount.objects.filter(member_id=member.pk).first()
        if account is None:
            raise PointsInsufficient("This member has no points.", extra={"available": 0})
        accounts_lock([account.pk])
        drafts = lots_take(account_id=account.pk, points=points, at=at)
        redemption = brand_account(AccountKind.REDEMPTION)
        entries_write(txn, [*drafts, EntryDraft(account_id=redemption.pk, amount=points)])
        return posted(txn, points=points)


def _check_points(points: int) -> None:
    if not 0 < points <= MAX_POINTS:
        raise ValidationFailed(
            f"Points must be 1-{MAX_POINTS}.", code="points_invalid", extra={"points": points}
        )
