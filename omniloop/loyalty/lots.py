"""Lots (批次): each credit opens one with an expiry; spending takes the soonest-expiring first."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Sum

from omniloop.loyalty.models import LedgerAccount, LedgerTransaction, PointsLot
from omniloop.loyalty.values import EntryDraft, PointsInsufficient


def lot_open(
    *, account: LedgerAccount, txn: LedgerTransaction, points: int, expires_at: datetime
) -> PointsLot:
    """An empty lot of `points`; the credit entry written on it (`entries_write`) fills it."""
    return PointsLot.objects.create(
        account=account, transaction=txn, points=points, remaining=0, expires_at=expires_at
    )


def lots_take(*, account_id: int, points: int, at: datetime) -> list[EntryDraft]:
    """Debit legs taking `points` from the account's unexpired lots, soonest-expiring first (then
    oldest). Lots past their expiry are not spendable even before the expiry job sweeps them.
    Call with the account locked (`ledger.accounts_lock`). Raises `PointsInsufficient`."""
    live = PointsLot.objects.filter(account_id=account_id, remaining__gt=0, expires_at__gt=at)
    drafts: list[EntryDraft] = []
    left = points
    for lot_id, remaining in live.order_by("expires_at", "pk").values_list("pk", "remaining"):
        take = min(left, remaining)
        drafts.append(EntryDraft(account_id=account_id, amount=-take, lot_id=lot_id))
        left -= take
        if left == 0:
            return drafts
    available = int(live.aggregate(s=Sum("remaining"))["s"] or 0)
    raise PointsInsufficient(
        f"Only {available} points can be spent; {points} were asked for.",
        extra={"available": available},
    )


def lots_spendable(*, account_id: int, at: datetime) -> int:
    """Points the account's unexpired lots hold at `at` (call with the account locked)."""
    live = PointsLot.objects.filter(account_id=account_id, remaining__gt=0, expires_at__gt=at)
    return int(live.aggregate(s=Sum("remaining"))["s"] or 0)
