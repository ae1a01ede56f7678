"""Merging members' points: a balanced transfer, never a rewrite of entries (ADR 13)."""

from __future__ import annotations

from omniloop.core import clock
from omniloop.loyalty.ledger import (
    accounts_lock,
    entries_write,
    fingerprint,
    member_account,
    transaction_open,
)
from omniloop.loyalty.lots import lot_open
from omniloop.loyalty.models import LedgerAccount, PointsLot, TransactionKind
from omniloop.loyalty.values import EntryDraft, PostedTransaction
from omniloop.members.models import Member


def points_merge(survivor: Member, merged: Member) -> int:
    """Move every open lot of the merged member to the survivor in one transfer transaction
    (reference `merge:<merged>:<survivor>`): a debit on each lot and a credit on a new lot of the
    survivor's with the same expiry. Runs inside `member_merge`'s transaction. Returns the lots
    moved."""
    source = LedgerAccount.objects.filter(member_id=merged.pk).first()
    if source is None:
        return 0
    target = member_account(survivor.pk)
    accounts_lock([source.pk, target.pk])
    lots = list(
        PointsLot.objects.filter(account=source, remaining__gt=0).order_by("expires_at", "pk")
    )
    if not lots:
        return 0
    txn = transaction_open(
        reference=f"merge:{merged.pk}:{survivor.pk}",
        kind=TransactionKind.TRANSFER,
        fingerprint=fingerprint("transfer", source=source.pk, target=target.pk),
        at=clock.now(),
        note="Member merge",
    )
    if isinstance(txn, PostedTransaction):
        return 0
    drafts: list[EntryDraft] = []
    for lot in lots:
        moved = lot_open(account=target, txn=txn, points=lot.remaining, expires_at=lot.expires_at)
        drafts.append(EntryDraft(account_id=source.pk, amount=-lot.remaining, lot_id=lot.pk))
        drafts.append(EntryDraft(account_id=target.pk, amount=lot.remaining, lot_id=moved.pk))
    entries_write(txn, drafts)
    return len(lots)
