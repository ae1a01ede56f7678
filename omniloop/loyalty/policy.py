"""Editing the points policy and the earn rules (HQ's settings, ADR 15)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.models import EarnRule, PointsPolicy
from omniloop.loyalty.tiers import tier_thresholds_validate
from omniloop.members.models import MEMBER_TIERS


@transaction.atomic
def points_policy_update(
    *,
    earn_per_yuan: Decimal,
    redeem_points_per_yuan: int,
    redeem_max_share_pct: int,
    tier_metric: str,
    tier_window_days: int,
    tier_thresholds: dict[str, object],
) -> PointsPolicy:
    if not Decimal(0) <= earn_per_yuan <= Decimal(100):
        raise ValidationFailed("Earn 0-100 points per yuan.", code="earn_rate_invalid")
    if not 1 <= redeem_points_per_yuan <= 100_000:
        raise ValidationFailed("1-100000 points per yuan.", code="redeem_rate_invalid")
    if not 0 <= redeem_max_share_pct <= 100:
        raise ValidationFailed("A share is 0-100%.", code="redeem_share_invalid")
    if not 1 <= tier_window_days <= 3650:
        raise ValidationFailed("A window is 1-3650 days.", code="tier_window_invalid")
    thresholds = tier_thresholds_validate(tier_metric, tier_thresholds)
    policy = points_policy()
    PointsPolicy.objects.filter(pk=policy.pk).update(
        earn_per_yuan=earn_per_yuan,
        redeem_points_per_yuan=redeem_points_per_yuan,
        redeem_max_share_pct=redeem_max_share_pct,
        tier_metric=tier_metric,
        tier_window_days=tier_window_days,
        tier_thresholds=thresholds,
    )
    policy.refresh_from_db()
    return policy


def earn_rule_create(
    *,
    name: str,
    kind: str,
    multiplier: Decimal = Decimal(1),
    bonus_points: int = 0,
    min_spend: Decimal = Decimal(0),
    tier: str = "",
    channel_code: str = "",
    category_code: str = "",
    campaign: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> EarnRule:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Give the rule a name (1-100 characters).", code="name_required")
    if kind not in EarnRule.Kind.values:
        raise ValidationFailed("A rule is a multiplier or a bonus.", code="earn_rule_kind_invalid")
    if kind == EarnRule.Kind.MULTIPLIER and not Decimal(0) <= multiplier <= Decimal(100):
        raise ValidationFailed("A multiplier is 0-100.", code="earn_multiplier_invalid")
    if kind == EarnRule.Kind.BONUS and not 1 <= bonus_points <= 1_000_000:
        raise ValidationFailed("A bonus is 1-1000000 points.", code="earn_bonus_invalid")
    if tier and tier not in MEMBER_TIERS:
        raise ValidationFailed(f"Unknown tier {tier!r}.", code="tier_unknown")
    if min_spend < 0:
        raise ValidationFailed("A minimum spend is not negative.", code="amount_invalid")
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationFailed("The rule must end after it starts.", code="window_invalid")
    return EarnRule.objects.create(
        name=name,
        kind=kind,
        multiplier=multiplier if kind == EarnRule.Kind.MULTIPLIER else Decimal(1),
        bonus_points=bonus_points if kind == EarnRule.Kind.BONUS else 0,
        min_spend=min_spend,
        tier=tier,
        channel_code=channel_code,
        category_code=category_code,
        campaign=campaign,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def earn_rule_set_active(*, rule_id: int, active: bool) -> EarnRule:
    rule = EarnRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise NotFound("No such earn rule.", code="earn_rule_not_found")
    EarnRule.objects.filter(pk=rule_id).update(active=active)
    rule.active = active
    return rule
