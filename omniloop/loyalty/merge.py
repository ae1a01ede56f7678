"""Merging members' points: a balanced transfer, never a rewrite of entries (ADR 13)."""

from __future__ import annotations

from omniloop.core import clock
from omniloop.loyalty.ledger import (
    accounts_lock,
    debt_account,
    entries_write,
    fingerprint,
    member_account,
    transaction_open,
)
from omniloop.loyalty.lots import lot_open
from omniloop.loyalty.models import AccountKind, LedgerAccount, PointsLot, TransactionKind
from omniloop.loyalty.values import EntryDraft, PostedTransaction
from omniloop.members.models import Member


def points_merge(survivor: Member, merged: Member) -> int:
    """Move every open lot of the merged member to the survivor in one transfer transaction
    (reference `merge:<merged>:<survivor>`): a debit on each lot and a credit on a new lot of the
    survivor's with the same expiry. Runs inside `member_merge`'s transaction. Returns the lots
    moved."""
    source = LedgerAccount.objects.filter(member_id=merged.pk, kind=AccountKind.MEMBER).first()
    debt = LedgerAccount.objects.filter(member_id=merged.pk, kind=AccountKind.DEBT).first()
    if source is None and debt is None:
        return 0
    target = member_account(survivor.pk)
    locked = [a.pk for a in (source, debt) if a is not None]
    target_debt = debt_account(survivor.pk) if debt is not None else None
    accounts_lock([*locked, target.pk, *([target_debt.pk] if target_debt else [])])
    lots = (
        list(PointsLot.objects.filter(account=source, remaining__gt=0).order_by("expires_at", "pk"))
        if source is not None
        else []
    )
    owed = 0
    if debt is not None:
        debt.refresh_from_db(fields=["balance"])
        owed = -debt.balance
    if not lots and not owed:
        return 0
    txn = transaction_open(
        reference=f"merge:{merged.pk}:{survivor.pk}",
        kind=TransactionKind.TRANSFER,
        fingerprint=fingerprint("transfer", source=merged.pk, target=survivor.pk),
        at=clock.now(),
        note="Member merge",
    )
    if isinstance(txn, PostedTransaction):
        return 0
    drafts: list[EntryDraft] = []
    for lot in lots:
        moved = lot_open(
            account_id=target.pk, txn_id=txn.pk, points=lot.remaining, expires_at=lot.expires_at
        )
        assert source is not None
        drafts.append(EntryDraft(account_id=source.pk, amount=-lot.remaining, lot_id=lot.pk))
        drafts.append(EntryDraft(account_id=target.pk, amount=lot.remaining, lot_id=moved))
    if owed and debt is not None and target_debt is not None:  # the debt moves with the member
        drafts.append(EntryDraft(account_id=debt.pk, amount=owed))
        drafts.append(EntryDraft(account_id=target_debt.pk, amount=-owed))
    entries_write(txn, drafts)
    return len(lots)
