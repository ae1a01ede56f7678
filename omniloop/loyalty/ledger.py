"""The ledger's primitives: accounts, opening a transaction under its idempotency reference, and
writing balanced entries with their cached balances. Every service posts through these.

Lock order, everywhere: the member accounts involved (by pk, `accounts_lock`), then their lots,
then the brand accounts (by pk, in `entries_write`). Brand rows are written last so their lock
is held for the shortest time."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, Q, Sum

from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
)
from omniloop.loyalty.values import (
    EntryDraft,
    PointsInsufficient,
    PointsReferenceConflict,
    PostedTransaction,
)

# One statement claims a reference: no row back = it is taken (no savepoint around the INSERT).
_CLAIM_REFERENCE = (
    f"INSERT INTO {LedgerTransaction._meta.db_table}"  # noqa: S608
    " (reference, kind, fingerprint, note, created_at) VALUES (%s, %s, %s, %s, %s)"
    " ON CONFLICT (reference) DO NOTHING RETURNING id"
)


def fingerprint(op: str, **parts: Any) -> str:
    """What a transaction asks for, hashed: two submissions are identical iff these match."""
    canonical = json.dumps({"op": op, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def member_account(member_id: int) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(kind=AccountKind.MEMBER, member_id=member_id)
    return account


def debt_account(member_id: int) -> LedgerAccount:
    """The member's debt account: negative by the points a reversal could not take back."""
    account, _ = LedgerAccount.objects.get_or_create(kind=AccountKind.DEBT, member_id=member_id)
    return account


def brand_account(kind: AccountKind) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(kind=kind, member=None)
    return account


def accounts_lock(account_ids: Sequence[int]) -> None:
    """Lock member accounts (by pk) before reading their lots: every writer of a lot holds its
    account's lock, so a lot read under it stays true until commit."""
    list(
        LedgerAccount.objects.select_for_update()
        .filter(pk__in=sorted(set(account_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def transaction_open(
    *, reference: str, kind: str, fingerprint: str, at: datetime, note: str = ""
) -> LedgerTransaction | PostedTransaction:
    """Claim `reference` for a new transaction (returned, to write entries on), or, when it is
    taken, the first transaction replayed if it asked for the same thing. Anything else under
    the same reference is refused (409 `points_reference_conflict`). Call inside an atomic
    block, so a failure later in the caller releases the reference too."""
    if not reference or len(reference) > 100:
        raise ValidationFailed("A reference is 1-100 characters.", code="points_reference_invalid")
    txn = LedgerTransaction(
        reference=reference, kind=kind, fingerprint=fingerprint, note=note[:200], created_at=at
    )
    with connection.cursor() as cursor:
        # Waits on the unique index while a concurrent transaction with this reference is open.
        cursor.execute(
            _CLAIM_REFERENCE,
            [
                txn.reference,
                txn.kind,
                txn.fingerprint,
                txn.note,
                connection.ops.adapt_datetimefield_value(at),
            ],
        )
        claimed = cursor.fetchone()
    if claimed is not None:
        txn.pk = claimed[0]
        txn._state.adding = False
        return txn
    existing = LedgerTransaction.objects.get(reference=reference)
    if existing.fingerprint != fingerprint:
        raise PointsReferenceConflict(
            f"Reference {reference!r} was already used for another points transaction."
        )
    return posted(existing, replayed=True)


def entries_write(txn: LedgerTransaction, drafts: Sequence[EntryDraft]) -> None:
    """Append `drafts` to `txn` and move the cached balances with conditional UPDATEs, so no
    member account or lot goes below zero (or a lot above its points) even if a caller's reads
    were stale: that raises `PointsInsufficient` and the caller's atomic block writes nothing.
    Member legs carry their lot; brand legs carry none."""
    if len(drafts) < 2 or sum(d.amount for d in drafts) != 0 or any(d.amount == 0 for d in drafts):
        raise ValueError(f"Unbalanced points transaction {txn.reference}: {drafts}")
    LedgerEntry.objects.bulk_create(
        LedgerEntry(transaction=txn, account_id=d.account_id, lot_id=d.lot_id, amount=d.amount)
        for d in drafts
    )
    members: dict[int, int] = defaultdict(int)
    brands: dict[int, int] = defaultdict(int)
    lots: dict[int, int] = defaultdict(int)
    for d in drafts:
        if d.lot_id is None:
            brands[d.account_id] += d.amount
        else:
            members[d.account_id] += d.amount
            lots[d.lot_id] += d.amount
    for account_id, delta in sorted(members.items()):
        if not _add(LedgerAccount.objects.filter(pk=account_id, kind=AccountKind.MEMBER), delta):
            raise PointsInsufficient("Not enough points.", extra={"account_id": account_id})
    for lot_id, delta in sorted(lots.items()):
        fits = Q(remaining__gte=-delta) & Q(remaining__lte=F("points") - delta)
        if PointsLot.objects.filter(fits, pk=lot_id).update(remaining=F("remaining") + delta) != 1:
            raise PointsInsufficient("Not enough points in the lot.", extra={"lot_id": lot_id})
    for account_id, delta in sorted(brands.items()):
        brand = LedgerAccount.objects.filter(pk=account_id).exclude(kind=AccountKind.MEMBER)
        if delta > 0:  # a debt is paid back at most to zero
            brand = brand.exclude(kind=AccountKind.DEBT, balance__gt=-delta)
        if brand.update(balance=F("balance") + delta) != 1:
            raise ValueError(f"Brand leg on a member account in {txn.reference}")


def _add(account: Any, delta: int) -> bool:
    if delta < 0:
        account = account.filter(balance__gte=-delta)
    return bool(account.update(balance=F("balance") + delta) == 1)


def posted(
    txn: LedgerTransaction, *, points: int | None = None, replayed: bool = False
) -> PostedTransaction:
    """The answer for `txn`; `points` (what it moved) is read from its entries unless given."""
    moved = points
    if moved is None:
        moved = txn.entries.filter(amount__gt=0).aggregate(s=Sum("amount"))["s"] or 0
    return PostedTransaction(
        transaction_id=txn.pk,
        reference=txn.reference,
        kind=txn.kind,
        points=int(moved),
        created_at=txn.created_at,
        replayed=replayed,
    )
