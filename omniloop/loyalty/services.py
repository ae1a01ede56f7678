"""Earning and spending points (ADR 13). Each is one balanced ledger transaction, posted once per
reference: a retried welcome, sale or redemption replays the first answer and never pays twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.ledger import (
    accounts_lock,
    brand_account,
    brand_account_id,
    debt_account,
    entries_write,
    fingerprint,
    member_account,
    member_account_lock,
    member_accounts_read,
    posted,
    transaction_open,
)
from omniloop.loyalty.lots import lot_open, lots_spendable, lots_take
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    TransactionKind,
)
from omniloop.loyalty.values import (
    DEFAULT_LOT_DAYS,
    EntryDraft,
    PointsInsufficient,
    PostedTransaction,
    ReversalResult,
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
    savepoint: bool = True,
) -> PostedTransaction:
    """Credit `points` to the member as one new lot (issuance -> member), expiring at
    `expires_at` (default: DEFAULT_LOT_DAYS after `at`). Points the member owes back (a debt
    from a return) are paid first; only the rest reaches their balance. `savepoint=False`
    only for a caller whose whole transaction rolls back on any failure (the till sale)."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("earn", member=member.pk, points=points, expires_at=expires_at)
    with transaction.atomic(savepoint=savepoint):
        txn = transaction_open(
            reference=reference, kind=TransactionKind.EARN, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            return txn
        _credit(
            txn,
            member_id=member.pk,
            points=points,
            source=AccountKind.ISSUANCE,
            expires_at=expires_at or at + timedelta(days=DEFAULT_LOT_DAYS),
        )
        return posted(txn, points=points)


def _credit(
    txn: LedgerTransaction,
    *,
    member_id: int,
    points: int,
    source: AccountKind,
    expires_at: datetime,
) -> None:
    """Post `points` from the brand's `source` account to the member: their debt first, the
    rest as a new lot."""
    account_id, owing = member_accounts_read(member_id)
    drafts = [EntryDraft(account_id=brand_account_id(source), amount=-points)]
    repay = 0
    if owing is not None:
        debt = LedgerAccount.objects.get(pk=owing[0])
        accounts_lock([account_id, debt.pk])
        debt.refresh_from_db(fields=["balance"])
        repay = min(points, -debt.balance)
        if repay:
            drafts.append(EntryDraft(account_id=debt.pk, amount=repay))
    if points - repay:
        lot_id = lot_open(
            account_id=account_id, txn_id=txn.pk, points=points - repay, expires_at=expires_at
        )
        drafts.append(EntryDraft(account_id=account_id, amount=points - repay, lot_id=lot_id))
    entries_write(txn, drafts)


def points_reverse(
    *, member: Member, points: int, reference: str, note: str = "", at: datetime | None = None
) -> ReversalResult:
    """Take back points a sale earned (a return): from the member's balance, soonest-expiring
    lots first; what they already spent becomes a debt (the member's debt account), paid
    first from what they earn next. Never refused for want of points."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("reverse", member=member.pk, points=points)
    with transaction.atomic():
        txn = transaction_open(
            reference=reference, kind=TransactionKind.REVERSE, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            owed = -int(
                LedgerEntry.objects.filter(
                    transaction_id=txn.transaction_id, account__kind=AccountKind.DEBT
                ).aggregate(s=Sum("amount"))["s"]
                or 0
            )
            return ReversalResult(posted=txn, taken=points - owed, owed=owed)
        account = member_account(member.pk)
        accounts_lock([account.pk])
        spendable = lots_spendable(account_id=account.pk, at=at)
        taken = min(points, spendable)
        drafts = lots_take(account_id=account.pk, points=taken, at=at) if taken else []
        owed = points - taken
        if owed:
            debt = debt_account(member.pk)
            accounts_lock([debt.pk])
            drafts.append(EntryDraft(account_id=debt.pk, amount=-owed))
        drafts.append(EntryDraft(account_id=brand_account(AccountKind.ISSUANCE).pk, amount=points))
        entries_write(txn, drafts)
        return ReversalResult(posted=posted(txn, points=points), taken=taken, owed=owed)


def points_restore(
    *,
    member: Member,
    points: int,
    reference: str,
    expires_at: datetime,
    note: str = "",
    at: datetime | None = None,
) -> PostedTransaction:
    """Give back points that paid for returned goods (redemption -> member), as a new lot
    expiring when the spent points would have (`expires_at`); a debt is paid first."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("restore", member=member.pk, points=points, expires_at=expires_at)
    with transaction.atomic():
        txn = transaction_open(
            reference=reference, kind=TransactionKind.RESTORE, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            return txn
        _credit(
            txn,
            member_id=member.pk,
            points=points,
            source=AccountKind.REDEMPTION,
            expires_at=expires_at,
        )
        return posted(txn, points=points)


def points_burn(
    *,
    member: Member,
    points: int,
    reference: str,
    note: str = "",
    at: datetime | None = None,
    savepoint: bool = True,
) -> PostedTransaction:
    """Spend `points` of the member's (member -> redemption), soonest-expiring lots first. More
    than the member can spend is 409 `points_insufficient` and writes nothing. `savepoint=False`
    only for a caller whose whole transaction rolls back on any failure (the till sale)."""
    _check_points(points)
    at = at or clock.now()
    fp = fingerprint("burn", member=member.pk, points=points)
    with transaction.atomic(savepoint=savepoint):
        txn = transaction_open(
            reference=reference, kind=TransactionKind.BURN, fingerprint=fp, at=at, note=note
        )
        if isinstance(txn, PostedTransaction):
            return txn
        # Found and locked in one statement (the member's account, then their lots).
        account_id = member_account_lock(member.pk)
        if account_id is None:
            raise PointsInsufficient("This member has no points.", extra={"available": 0})
        drafts = lots_take(account_id=account_id, points=points, at=at)
        redemption = brand_account_id(AccountKind.REDEMPTION)
        entries_write(txn, [*drafts, EntryDraft(account_id=redemption, amount=points)])
        return posted(txn, points=points)


def _check_points(points: int) -> None:
    if not 0 < points <= MAX_POINTS:
        raise ValidationFailed(
            f"Points must be 1-{MAX_POINTS}.", code="points_invalid", extra={"points": points}
        )
