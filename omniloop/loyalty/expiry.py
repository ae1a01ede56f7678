"""The expiry job: what is left of every lot past its expiry moves to the brand's expiry account
(`omniloop scheduler` runs it hourly, ADR 11)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import BigIntegerField, Case, F, QuerySet, When

from omniloop.core import clock
from omniloop.loyalty.ledger import accounts_lock, brand_account, fingerprint
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
    TransactionKind,
)
from omniloop.loyalty.values import PointsInsufficient, PointsReferenceConflict

# Member accounts swept per database transaction: a few statements per batch instead of seven
# round trips per lot (benchmarks/bench_expiry.py measures both).
BATCH_ACCOUNTS = 100


def points_expire(*, at: datetime | None = None, batch: int = BATCH_ACCOUNTS) -> int:
    """Sweep expired lots, one ledger transaction per lot (reference `expire:<lot>`, as
    `ledger.transaction_open` would write it), `batch` member accounts per database
    transaction with those accounts locked, so a repeated or concurrent run moves nothing
    twice. Returns the number of lots swept."""
    at = at or clock.now()
    due = PointsLot.objects.filter(remaining__gt=0, expires_at__lte=at)
    account_ids = sorted(set(due.values_list("account_id", flat=True)))
    swept = 0
    for start in range(0, len(account_ids), batch):
        swept += _sweep(account_ids[start : start + batch], due, at)
    return swept


@transaction.atomic
def _sweep(account_ids: Sequence[int], due: QuerySet[PointsLot], at: datetime) -> int:
    """One batch. Every writer of a lot holds its account's lock (`ledger.accounts_lock`), so
    the lots read here keep their `remaining` until commit: the moves below are exactly what
    was read, and a lot already swept (its `remaining` is 0) is not read at all."""
    accounts_lock(account_ids)
    lots = list(
        due.filter(account_id__in=account_ids)
        .order_by("account_id", "expires_at", "pk")
        .values_list("pk", "account_id", "remaining")
    )
    if not lots:
        return 0
    wanted = {f"expire:{pk}": fingerprint("expire", lot=pk) for pk, _, _ in lots}
    taken = LedgerTransaction.objects.filter(reference__in=list(wanted)).values_list(
        "reference", "fingerprint"
    )
    for reference, fp in taken:
        if fp != wanted.pop(reference):
            raise PointsReferenceConflict(
                f"Reference {reference!r} was already used for another points transaction."
            )
    lots = [lot for lot in lots if f"expire:{lot[0]}" in wanted]  # the rest was posted before
    if not lots:
        return 0
    txns = LedgerTransaction.objects.bulk_create(
        LedgerTransaction(
            reference=f"expire:{pk}",
            kind=TransactionKind.EXPIRE,
            fingerprint=wanted[f"expire:{pk}"],
            created_at=at,
        )
        for pk, _, _ in lots
    )
    expiry = brand_account(AccountKind.EXPIRY)
    LedgerEntry.objects.bulk_create(
        entry
        for txn, (pk, account_id, remaining) in zip(txns, lots, strict=True)
        for entry in (
            LedgerEntry(transaction=txn, account_id=account_id, lot_id=pk, amount=-remaining),
            LedgerEntry(transaction=txn, account_id=expiry.pk, amount=remaining),
        )
    )
    lot_ids = [pk for pk, _, _ in lots]
    if PointsLot.objects.filter(pk__in=lot_ids, remaining__gt=0).update(remaining=0) != len(lots):
        raise PointsInsufficient("A lot changed under the expiry sweep.")
    per_account: dict[int, int] = defaultdict(int)
    for _, account_id, remaining in lots:
        per_account[account_id] += remaining
    moved = LedgerAccount.objects.filter(pk__in=per_account, kind=AccountKind.MEMBER).update(
        balance=Case(
            *(When(pk=pk, then=F("balance") - total) for pk, total in per_account.items()),
            default=F("balance"),
            output_field=BigIntegerField(),
        )
    )
    if moved != len(per_account):
        raise PointsInsufficient("A member account changed under the expiry sweep.")
    total = sum(per_account.values())
    LedgerAccount.objects.filter(pk=expiry.pk).update(balance=F("balance") + total)
    return len(lots)
