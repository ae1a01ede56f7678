from __future__ import annotations

from datetime import UTC, datetime, timedelta

from omniloop.loyalty.models import LedgerAccount, LedgerEntry, LedgerTransaction, PointsLot

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def ledger_counts() -> tuple[int, int, int, int]:
    """Rows in the ledger's tables: a refused write leaves these as they were."""
    return (
        LedgerTransaction.objects.count(),
        LedgerEntry.objects.count(),
        PointsLot.objects.count(),
        LedgerAccount.objects.count(),
    )
