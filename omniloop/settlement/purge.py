"""Deleting settlement rows (demo reset only)."""

from __future__ import annotations

from django.db import connection, transaction

from omniloop.settlement.models import (
    CommissionEntry,
    CommissionRule,
    OrderSettlement,
    SettlementEntry,
    SettlementPeriodClose,
    SettlementRefund,
    SettlementRule,
)


def settlement_purge() -> dict[str, int]:
    """Delete the settlement ledger and rules. On PostgreSQL the append-only trigger lets this
    transaction through alone, by the `omniloop.settlement_purge` setting local to it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("settlement_purge runs inside a transaction")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL omniloop.settlement_purge = 'on'")
    deleted: dict[str, int] = {}
    for model in (
        CommissionEntry,
        SettlementEntry,
        SettlementRefund,
        OrderSettlement,
        SettlementPeriodClose,
        CommissionRule,
        SettlementRule,
    ):
        deleted[model.__name__] = model._default_manager.all().delete()[0]
    return deleted
