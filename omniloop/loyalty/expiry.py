"""The expiry job: what is left of every lot past its expiry moves to the brand's expiry account
(`omniloop scheduler` runs it hourly, ADR 11)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from omniloop.core import clock
from omniloop.loyalty.ledger import (
    accounts_lock,
    brand_account,
    entries_write,
    fingerprint,
    transaction_open,
)
from omniloop.loyalty.models import AccountKind, PointsLot, TransactionKind
from omniloop.loyalty.values import EntryDraft, PostedTransaction


def points_expire(*, at: datetime | None = None) -> int:
    """Sweep expired lots, one transaction per lot (reference `expire:<lot>`) and one database
    transaction per account, so a repeated or concurrent run moves nothing twice. Returns the
    number of lots swept."""
    at = at or clock.now()
    due = PointsLot.objects.filter(remaining__gt=0, expires_at__lte=at)
    account_ids = sorted(set(due.values_list("account_id", flat=True)))
    swept = 0
    for account_id in account_ids:
        with transaction.atomic():
            accounts_lock([account_id])
            expiry = brand_account(AccountKind.EXPIRY)
            lots = due.filter(account_id=account_id).order_by("expires_at", "pk")
            for lot_id, remaining in lots.values_list("pk", "remaining"):
                txn = transaction_open(
                    reference=f"expire:{lot_id}",
                    kind=TransactionKind.EXPIRE,
                    fingerprint=fingerprint("expire", lot=lot_id),
                    at=at,
                )
                if isinstance(txn, PostedTransaction):
                    continue
                entries_write(
                    txn,
                    [
                        EntryDraft(account_id=account_id, amount=-remaining, lot_id=lot_id),
                        EntryDraft(account_id=expiry.pk, amount=remaining),
                    ],
                )
                swept += 1
    return swept
