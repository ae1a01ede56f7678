"""Member tiers (会员等级) from an explicit metric over a rolling window (ADR 15).

`PointsPolicy.tier_metric` is `points_earned` (points credited by earning, less reversals, in
the window) or `spend` (orders' value less refunds, in the window); `tier_thresholds` maps each
tier above standard to the metric it needs. Upgrades happen as soon as the metric allows (after
a sale); downgrades only at the scheduled review (`tiers_review`, daily), to the tier the metric
then supports, so a member never drops mid-day because of a return. Every change is a
`TierChange` row."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.apps import apps
from django.db.models import F, Q, Sum

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.models import (
    AccountKind,
    LedgerEntry,
    PointsPolicy,
    TierChange,
    TransactionKind,
)
from omniloop.members.models import MEMBER_TIERS, Member
from omniloop.members.services import member_tier_set

METRICS = ("points_earned", "spend")


def tier_thresholds_validate(metric: str, thresholds: dict[str, object]) -> dict[str, int]:
    """Thresholds must name tiers above standard, be whole non-negative numbers, and rise with
    the tier (422 `tier_thresholds_invalid`)."""
    if metric not in METRICS:
        raise ValidationFailed(f"The metric is one of {METRICS}.", code="tier_metric_invalid")
    out: dict[str, int] = {}
    for tier, value in thresholds.items():
        if tier not in MEMBER_TIERS[1:] or type(value) is not int or value < 0:
            raise ValidationFailed(
                "Thresholds map silver, gold or platinum to a whole number >= 0.",
                code="tier_thresholds_invalid",
                extra={"tier": tier},
            )
        out[tier] = value
    ordered = [out[t] for t in MEMBER_TIERS[1:] if t in out]
    if ordered != sorted(set(ordered)) or len(ordered) != len(set(ordered)):
        raise ValidationFailed(
            "Each tier must need more than the one below it.", code="tier_thresholds_invalid"
        )
    return out


def tier_metric(*, member_id: int, at: datetime, policy: PointsPolicy) -> Decimal:
    since = at - timedelta(days=policy.tier_window_days)
    if policy.tier_metric == "spend":
        # Orders sit above loyalty: read by name, the one place loyalty looks at them.
        order = apps.get_model("orders", "Order")
        spent = (
            order.objects.filter(member_id=member_id, ordered_at__gt=since, ordered_at__lte=at)
            .exclude(status__in=["pending", "cancelled"])
            .aggregate(s=Sum(F("total") - F("refunded_total")))["s"]
        )
        return Decimal(spent or 0)
    # Points earned: the member-side legs of earn and reverse transactions in the window.
    legs = LedgerEntry.objects.filter(
        Q(account__member_id=member_id),
        Q(transaction__kind__in=[TransactionKind.EARN, TransactionKind.REVERSE]),
        Q(transaction__created_at__gt=since, transaction__created_at__lte=at),
        Q(account__kind__in=[AccountKind.MEMBER, AccountKind.DEBT]),
    )
    return Decimal(legs.aggregate(s=Sum("amount"))["s"] or 0)


def tier_for(metric: Decimal, thresholds: dict[str, int]) -> str:
    tier = MEMBER_TIERS[0]
    for name in MEMBER_TIERS[1:]:
        if name in thresholds and metric >= thresholds[name]:
            tier = name
    return tier


def tier_evaluate(
    *,
    member: Member,
    at: datetime | None = None,
    downgrade: bool = False,
    policy: PointsPolicy | None = None,
) -> str:
    """Move the member to the tier the metric supports: up at once, down only when
    `downgrade` (the scheduled review). No thresholds configured: tiers are left alone."""
    policy = policy or points_policy()
    if not policy.tier_thresholds:
        return member.tier
    at = at or clock.now()
    metric = tier_metric(member_id=member.pk, at=at, policy=policy)
    target = tier_for(metric, policy.tier_thresholds)
    rank = MEMBER_TIERS.index
    current = member.tier if member.tier in MEMBER_TIERS else MEMBER_TIERS[0]
    if rank(target) == rank(current) or (rank(target) < rank(current) and not downgrade):
        return current
    member_tier_set(member_id=member.pk, tier=target)
    TierChange.objects.create(
        member=member,
        from_tier=current,
        to_tier=target,
        metric_value=metric,
        reason="upgrade" if rank(target) > rank(current) else "downgrade",
        at=at,
    )
    member.tier = target
    return target


def tiers_review(*, at: datetime | None = None) -> int:
    """The scheduled review: every active member above standard re-evaluated, downgrades
    included. Returns the number of changes."""
    if not points_policy().tier_thresholds:
        return 0
    changed = 0
    members = Member.objects.filter(status=Member.Status.ACTIVE).exclude(tier=MEMBER_TIERS[0])
    for member in members.iterator(chunk_size=500):
        before = member.tier
        if tier_evaluate(member=member, at=at, downgrade=True) != before:
            changed += 1
    return changed


def tiers_merge(survivor: Member, merged: Member) -> int:
    """A merge keeps both members' tier histories, on the survivor."""
    return TierChange.objects.filter(member=merged).update(member=survivor)
