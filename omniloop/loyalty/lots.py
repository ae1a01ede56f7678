"""Lots (批次): each credit opens one with an expiry; spending takes the soonest-expiring first."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Sum

from omniloop.core import rows
from omniloop.loyalty.models import PointsLot
from omniloop.loyalty.values import EntryDraft, PointsInsufficient

_L = PointsLot._meta.db_table
# Fixed statements (core.rows, ADR 42). The lot opens empty: its credit entry fills it.
_OPEN = (
    f"INSERT INTO {_L} (account_id, transaction_id, points, remaining, expires_at)"  # noqa: S608
    " VALUES (%s, %s, %s, 0, %s) RETURNING id"
)
# The open lots, soonest-expiring first (then oldest), up to the first that covers `points`:
# each row with what the lots before it hold. All of them when they do not cover it.
_TAKE = f"""
SELECT id, remaining FROM (
    SELECT id, remaining, expires_at,
        SUM(remaining) OVER (ORDER BY expires_at, id) - remaining AS before
    FROM {_L} WHERE account_id = %s AND remaining > 0 AND expires_at > %s
) open_lots WHERE before < %s ORDER BY expires_at, id
"""  # noqa: S608


def lot_open(*, account_id: int, txn_id: int, points: int, expires_at: datetime) -> int:
    """An empty lot of `points` (its id); the credit entry written on it (`entries_write`)
    fills it."""
    cursor = rows.cursor()
    cursor.execute(
        _OPEN,
        [account_id, txn_id, points, connection.ops.adapt_datetimefield_value(expires_at)],
    )
    return int(cursor.fetchone()[0])


def lots_take(*, account_id: int, points: int, at: datetime) -> list[EntryDraft]:
    """Debit legs taking `points` from the account's unexpired lots, soonest-expiring first (then
    oldest). Lots past their expiry are not spendable even before the expiry job sweeps them.
    Call with the account locked (`ledger.accounts_lock`). Raises `PointsInsufficient`."""
    cursor = rows.cursor()
    cursor.execute(_TAKE, [account_id, connection.ops.adapt_datetimefield_value(at), points])
    found = cursor.fetchall()
    drafts: list[EntryDraft] = []
    left = points
    for lot_id, remaining in found:
        take = min(left, remaining)
        drafts.append(EntryDraft(account_id=account_id, amount=-take, lot_id=lot_id))
        left -= take
        if left == 0:
            return drafts
    available = points - left  # every open lot was read: they hold less than `points`
    raise PointsInsufficient(
        f"Only {available} points can be spent; {points} were asked for.",
        extra={"available": available},
    )


def lots_spendable(*, account_id: int, at: datetime) -> int:
    """Points the account's unexpired lots hold at `at` (call with the account locked)."""
    live = PointsLot.objects.filter(account_id=account_id, remaining__gt=0, expires_at__gt=at)
    return int(live.aggregate(s=Sum("remaining"))["s"] or 0)
