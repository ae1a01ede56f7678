"""The points part of the mall checkout: what the member has, the most this order lets them
spend (ADR 15's share, in whole fen), and what the chosen points pay. The same
`orders.points.points_payment_check` the till and the placement use decides."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omniloop.core.errors import ApplicationError
from omniloop.loyalty.earning import points_for_value, points_payable_limit, points_policy
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import Member
from omniloop.orders.points import points_payment_check


@dataclass(frozen=True)
class PointsChoice:
    balance: int
    max_points: int  # the most this order takes (the policy's share, no more than the balance)
    points: int  # what the member chose
    value: Decimal  # what those points pay
    to_pay: Decimal  # the rest, paid through the provider
    problem: str  # why the chosen points cannot be used ("" when they can)


def points_choice(*, member: Member, total: Decimal, points: int) -> PointsChoice:
    policy = points_policy()
    balance = points_balance(member_id=member.pk)
    step = max(policy.redeem_points_per_yuan // 100, 1)  # points in one fen
    cap = points_for_value(points_payable_limit(total, policy), policy)
    max_points = min(balance, cap) // step * step
    value, problem = Decimal("0.00"), ""
    if points > balance:
        problem = "points_insufficient"
    else:
        try:
            value = points_payment_check(points=points, member=member, total=total, policy=policy)
        except ApplicationError as exc:
            problem = exc.code
    return PointsChoice(
        balance=balance,
        max_points=max_points,
        points=points,
        value=value,
        to_pay=total - value,
        problem=problem,
    )


def points_from_form(raw: str) -> int:
    text = raw.strip()
    return min(int(text), 10**9) if text.isdigit() else 0
