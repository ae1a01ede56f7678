"""Reading the points ledger: balances, lots, and the audit of its invariants."""

from __future__ import annotations

from django.db.models import Count, F, Q, Sum

from omniloop.loyalty.models import (
    AccountKind,
    EarnRule,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsAdjustment,
    PointsLot,
)
from omniloop.loyalty.values import LotView


def points_balance(*, member_id: int) -> int:
    """The member's points: their account's cached balance (0 before they earn any)."""
    balance = LedgerAccount.objects.filter(
        member_id=member_id, kind=AccountKind.MEMBER
    ).values_list("balance", flat=True)
    return int(balance.first() or 0)


def points_debt(*, member_id: int) -> int:
    """Points the member owes back (a return reversed points already spent): paid first from
    what they earn next."""
    owed = LedgerAccount.objects.filter(member_id=member_id, kind=AccountKind.DEBT).values_list(
        "balance", flat=True
    )
    return -int(owed.first() or 0)


def points_lots(*, member_id: int) -> list[LotView]:
    """The member's lots with points left, soonest-expiring first."""
    lots = PointsLot.objects.filter(account__member_id=member_id, remaining__gt=0)
    return [
        LotView(
            lot_id=lot.pk, points=lot.points, remaining=lot.remaining, expires_at=lot.expires_at
        )
        for lot in lots.order_by("expires_at", "pk")
    ]


def ledger_audit() -> list[str]:
    """Every broken ledger invariant, described; empty when the ledger is sound. Checks that each
    transaction has two or more entries summing to zero, all accounts sum to zero, each cached
    balance and lot remainder equals the sum of its entries, a member account holds what its
    lots hold, member legs carry one of the account's lots and brand legs none, and no member
    account is negative."""
    problems: list[str] = []
    txns = LedgerTransaction.objects.annotate(n=Count("entries"), total=Sum("entries__amount"))
    for ref in txns.filter(Q(n__lt=2) | ~Q(total=0)).values_list("reference", flat=True):
        problems.append(f"transaction {ref} does not balance")
    total = LedgerAccount.objects.aggregate(s=Sum("balance"))["s"] or 0
    if total:
        problems.append(f"accounts sum to {total}, not 0")
    accounts = LedgerAccount.objects.annotate(total=Sum("entries__amount"))
    for pk, kind, balance, entries in accounts.values_list("pk", "kind", "balance", "total"):
        if balance != (entries or 0):
            problems.append(f"account {pk} caches {balance}, its entries sum to {entries}")
        if kind == AccountKind.MEMBER and balance < 0:
            problems.append(f"account {pk} is negative")
        if kind == AccountKind.DEBT and balance > 0:
            problems.append(f"debt account {pk} is positive")
    members = LedgerAccount.objects.filter(kind=AccountKind.MEMBER)
    in_lots = members.annotate(held=Sum("lots__remaining"))
    for pk, balance, held in in_lots.values_list("pk", "balance", "held"):
        if balance != (held or 0):
            problems.append(f"account {pk} holds {balance}, its lots {held}")
    lots = PointsLot.objects.annotate(total=Sum("entries__amount"))
    for pk, remaining, entries in lots.values_list("pk", "remaining", "total"):
        if remaining != (entries or 0):
            problems.append(f"lot {pk} caches {remaining}, its entries sum to {entries}")
    member_leg = Q(account__kind=AccountKind.MEMBER)
    misplaced = LedgerEntry.objects.filter(
        (member_leg & Q(lot=None))
        | (~member_leg & ~Q(lot=None))
        | (~Q(lot=None) & ~Q(lot__account_id=F("account_id")))
    )
    if misplaced.exists():
        problems.append(f"{misplaced.count()} entries on the wrong kind of account or lot")
    return problems


def earn_rules() -> list[EarnRule]:
    return list(EarnRule.objects.order_by("-active", "name", "pk"))


def pending_adjustments() -> list[PointsAdjustment]:
    pending = PointsAdjustment.objects.filter(state=PointsAdjustment.State.PENDING)
    return list(pending.select_related("member", "requested_by").order_by("requested_at")[:200])
