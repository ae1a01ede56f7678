"""How many points a purchase earns, and what points pay at checkout (积分规则).

The base rate (`PointsPolicy.earn_per_yuan`) applies to what each line paid in money (after
discounts and after the share points paid). `EarnRule` multipliers scope by tier, channel,
category and a time window; of those that apply to a line the highest wins, they never compound,
so a campaign cannot multiply a tier bonus by accident. Bonus rules add a fixed number of points
once per order when the order's money spend reaches their `min_spend`. Points are whole: each
line's points are rounded down."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, Decimal

from django.db import connection

from omniloop.catalog.models import Category
from omniloop.core import rows
from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.models import EarnRule, PointsPolicy

CENT = Decimal("0.01")


@dataclass(frozen=True)
class EarnLine:
    """One line of a purchase as points see it: its categories (its own and their ancestors,
    as the offer index lists them) and what it paid in money."""

    category_ids: frozenset[int]
    amount: Decimal


@dataclass(frozen=True)
class EarnQuote:
    points: int
    base: int  # before multipliers and bonuses
    bonus: int
    rules: tuple[str, ...]  # the names of the rules that applied


def points_policy() -> PointsPolicy:
    """The policy row (a migration creates it; created here if a test flushed it). Read by one
    fixed statement: every till sale by a member reads it (core.rows)."""
    policy = rows.fetch_one(PointsPolicy, "t.id = %s", [1])
    if policy is None:
        policy, _ = PointsPolicy.objects.get_or_create(pk=1)
    return policy


# The rules live at a moment for a tier and channel, in rule order (core.rows, ADR 42).
_LIVE_RULES = (
    "t.active = %s AND (t.starts_at IS NULL OR t.starts_at <= %s)"
    " AND (t.ends_at IS NULL OR t.ends_at > %s) AND (t.tier = '' OR t.tier = %s)"
    " AND (t.channel_code = '' OR t.channel_code = %s) ORDER BY t.id"
)


def _live_rules(at: datetime, tier: str | None, channel_code: str) -> list[EarnRule]:
    moment = connection.ops.adapt_datetimefield_value(at)
    return rows.fetch_all(
        EarnRule, _LIVE_RULES, [True, moment, moment, tier or "standard", channel_code]
    )


def earn_quote(
    *,
    lines: Sequence[EarnLine],
    tier: str | None,
    channel_code: str,
    at: datetime,
    policy: PointsPolicy | None = None,
) -> EarnQuote:
    """The points these lines earn for a member of `tier` buying through `channel_code` at
    `at`. Reads the rules; writes nothing."""
    policy = policy or points_policy()
    rules = _live_rules(at, tier, channel_code)
    multipliers = [r for r in rules if r.kind == EarnRule.Kind.MULTIPLIER]
    codes = {r.category_code for r in rules if r.category_code}
    category_of = (
        dict(Category.objects.filter(code__in=codes).values_list("code", "pk")) if codes else {}
    )

    def covers(rule: EarnRule, line: EarnLine) -> bool:
        return not rule.category_code or category_of.get(rule.category_code) in line.category_ids

    applied: set[str] = set()
    base = points = 0
    for line in lines:
        raw = line.amount * policy.earn_per_yuan
        base += int(raw.to_integral_value(ROUND_DOWN))
        best: EarnRule | None = None
        for rule in multipliers:
            if not covers(rule, line):
                continue
            if best is None or rule.multiplier > best.multiplier:
                best = rule
        factor = best.multiplier if best is not None else Decimal(1)
        if best is not None:
            applied.add(best.name)
        points += int((raw * factor).to_integral_value(ROUND_DOWN))
    spend = sum((line.amount for line in lines), Decimal(0))
    bonus = 0
    for rule in rules:
        if rule.kind == EarnRule.Kind.BONUS and spend >= rule.min_spend and spend > 0:
            if rule.category_code and not any(covers(rule, li) for li in lines):
                continue
            bonus += rule.bonus_points
            applied.add(rule.name)
    return EarnQuote(points=points + bonus, base=base, bonus=bonus, rules=tuple(sorted(applied)))


def points_value(points: int, policy: PointsPolicy | None = None) -> Decimal:
    """What `points` pay at checkout, in yuan. Points are spent in whole fen: a number of
    points worth a fraction of a fen is refused (`points_not_whole_fen`)."""
    policy = policy or points_policy()
    fen, rest = divmod(points * 100, policy.redeem_points_per_yuan)
    if rest:
        raise ValidationFailed(
            f"Points are spent in steps worth 0.01 yuan "
            f"({policy.redeem_points_per_yuan} points = 1 yuan).",
            code="points_not_whole_fen",
            extra={"points": points},
        )
    return (Decimal(fen) * CENT).quantize(CENT)


def points_for_value(value: Decimal, policy: PointsPolicy | None = None) -> int:
    """The points that paid `value` yuan (the inverse of `points_value`, rounded down)."""
    policy = policy or points_policy()
    return int((value * policy.redeem_points_per_yuan).to_integral_value(ROUND_DOWN))


def points_payable_limit(total: Decimal, policy: PointsPolicy | None = None) -> Decimal:
    """The most of an order of `total` that points may pay."""
    policy = policy or points_policy()
    return (total * policy.redeem_max_share_pct / 100).quantize(CENT, ROUND_DOWN)
