"""Bulk ledger writes for loading and removing whole data sets (the demo brand), keeping the same
invariants as the services (`selectors.ledger_audit` checks them after a demo load)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F

from omniloop.loyalty.ledger import brand_account, fingerprint
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsAdjustment,
    PointsLot,
    TransactionKind,
)
from omniloop.loyalty.values import DEFAULT_LOT_DAYS

BATCH = 2000


@dataclass(frozen=True)
class NewMemberEarn:
    member_id: int
    points: int
    reference: str
    at: datetime
    note: str = ""


@transaction.atomic
def points_earn_for_new_members(earns: Sequence[NewMemberEarn]) -> int:
    """One earn each for members with no points account yet (one earn per member), written in
    batches: the same rows `services.points_earn` writes. Returns points issued."""
    if not earns:
        return 0
    accounts = LedgerAccount.objects.bulk_create(
        [
            LedgerAccount(kind=AccountKind.MEMBER, member_id=e.member_id, balance=e.points)
            for e in earns
        ],
        batch_size=BATCH,
    )
    txns = LedgerTransaction.objects.bulk_create(
        [
            LedgerTransaction(
                reference=e.reference,
                kind=TransactionKind.EARN,
                fingerprint=fingerprint(
                    "earn", member=e.member_id, points=e.points, expires_at=None
                ),
                note=e.note,
                created_at=e.at,
            )
            for e in earns
        ],
        batch_size=BATCH,
    )
    lots = PointsLot.objects.bulk_create(
        [
            PointsLot(
                account=a,
                transaction=t,
                points=e.points,
                remaining=e.points,
                expires_at=e.at + timedelta(days=DEFAULT_LOT_DAYS),
            )
            for e, a, t in zip(earns, accounts, txns, strict=True)
        ],
        batch_size=BATCH,
    )
    issuance = brand_account(AccountKind.ISSUANCE)
    entries: list[LedgerEntry] = []
    for e, a, t, lot in zip(earns, accounts, txns, lots, strict=True):
        entries.append(LedgerEntry(transaction=t, account=a, lot=lot, amount=e.points))
        entries.append(LedgerEntry(transaction=t, account=issuance, amount=-e.points))
    LedgerEntry.objects.bulk_create(entries, batch_size=BATCH)
    issued = sum(e.points for e in earns)
    LedgerAccount.objects.filter(pk=issuance.pk).update(balance=F("balance") - issued)
    return issued


def ledger_purge() -> dict[str, int]:
    """Delete the whole ledger (demo reset only). On PostgreSQL the append-only trigger lets this
    transaction through alone, by the `omniloop.ledger_purge` setting local to it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_purge runs inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL omniloop.ledger_purge = 'on'")
    deleted: dict[str, int] = {}
    for model in (PointsAdjustment, LedgerEntry, PointsLot, LedgerTransaction, LedgerAccount):
        deleted[model.__name__] = model._default_manager.all().delete()[0]
    return deleted
