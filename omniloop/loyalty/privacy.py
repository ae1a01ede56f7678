"""A member's points, for their data export. The ledger is append-only and kept on erasure."""

from __future__ import annotations

from typing import Any

from omniloop.loyalty.models import LedgerEntry
from omniloop.loyalty.selectors import points_balance, points_debt
from omniloop.members.models import Member


def points_export(member: Member) -> list[dict[str, Any]]:
    entries = LedgerEntry.objects.filter(account__member=member).select_related("transaction")
    rows: list[dict[str, Any]] = [
        {
            "balance": points_balance(member_id=member.pk),
            "debt": points_debt(member_id=member.pk),
        }
    ]
    rows += [
        {
            "at": e.transaction.created_at.isoformat(),
            "kind": e.transaction.kind,
            "points": e.amount,
            "reference": e.transaction.reference,
        }
        for e in entries.order_by("transaction__created_at", "pk")
    ]
    return rows
