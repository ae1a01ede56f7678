"""Points on orders: paying with points, earning on what was paid in money, and the shares a
return gives back. One policy for the till and every online flow (ADR 15).

- Paying: `points` are worth `loyalty.earning.points_value`; at most `redeem_max_share_pct` of
  the order; burned under `order:<number>:burn` in the order's transaction.
- Earning: on each line's money share (its net amount less its share of the points paid),
  through `loyalty.earning.earn_quote`, under `order:<number>:earn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db.models import Min

from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.earning import (
    EarnLine,
    EarnQuote,
    earn_quote,
    points_payable_limit,
    points_policy,
    points_value,
)
from omniloop.loyalty.models import LedgerEntry, PointsPolicy
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.members.models import Member
from omniloop.orders.models import Order

CENT = Decimal("0.01")


def allocate(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `total` (2 places) over `weights` in proportion, to the fen, the remainder to the
    largest shares first (ties: the earlier line), so the parts always sum to `total`."""
    whole = sum(weights, Decimal(0))
    if whole <= 0 or total == 0:
        return [Decimal("0.00")] * len(weights)
    fen_total = int(total / CENT)
    exact = [Decimal(fen_total) * w / whole for w in weights]
    floors = [int(x) for x in exact]
    left = fen_total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [(Decimal(f) * CENT).quantize(CENT) for f in floors]


def points_payment_check(
    *, points: int, member: Member | None, total: Decimal, policy: PointsPolicy | None = None
) -> Decimal:
    """What `points` pay on an order of `total`, or a 422: points need an identified member,
    are spent in whole fen and pay at most the policy's share of the order."""
    if points == 0:
        return Decimal("0.00")
    if points < 0:
        raise ValidationFailed("points must not be negative.", code="points_invalid")
    if member is None:
        raise ValidationFailed("Paying with points needs a member.", code="points_need_member")
    policy = policy or points_policy()
    value = points_value(points, policy)
    limit = points_payable_limit(total, policy)
    if value > limit:
        raise ValidationFailed(
            f"Points may pay at most {limit} of this order ({policy.redeem_max_share_pct}%).",
            code="points_over_limit",
            extra={"max_value": str(limit), "value": str(value)},
        )
    return value


def order_points_burn(
    *, number: str, member: Member, points: int, at: datetime, savepoint: bool = True
) -> None:
    """Burned in the order's transaction (`savepoint=False`: the caller rolls its whole
    transaction back on a refusal, as the till sale does)."""
    points_burn(
        member=member, points=points, reference=f"order:{number}:burn", at=at, savepoint=savepoint
    )


def money_shares(amounts: Sequence[Decimal], paid_by_points: Decimal) -> list[Decimal]:
    """Each line's share paid in money: its amount less its share of what points paid."""
    points_shares = allocate(paid_by_points, amounts)
    return [a - p for a, p in zip(amounts, points_shares, strict=True)]


def order_points_earn_quote(
    *,
    member: Member,
    lines: Sequence[tuple[frozenset[int], Decimal]],
    paid_by_points: Decimal,
    channel_code: str,
    at: datetime,
    policy: PointsPolicy | None = None,
) -> EarnQuote:
    """What the order earns (lines: category ids, net amount), read only."""
    shares = money_shares([amount for _, amount in lines], paid_by_points)
    return earn_quote(
        lines=[EarnLine(cat, share) for (cat, _), share in zip(lines, shares, strict=True)],
        tier=member.tier,
        channel_code=channel_code,
        at=at,
        policy=policy,
    )


def order_points_post_earn(
    *, number: str, member: Member, quote: EarnQuote, at: datetime, savepoint: bool = True
) -> None:
    """Credit what `quote` earns under `order:<number>:earn`, in the order's transaction
    (`savepoint=False`: as for `order_points_burn`)."""
    if quote.points > 0:
        points_earn(
            member=member,
            points=quote.points,
            reference=f"order:{number}:earn",
            note=", ".join(quote.rules)[:200],
            at=at,
            savepoint=savepoint,
        )


def order_points_earn_paid(order: Order, at: datetime) -> int:
    """What a paid online order earns, on the same rules as the till (ADR 15): its lines' net
    amounts by category, less what points paid. Records it on the order."""
    from omniloop.promotions.offer_index import current_index

    member = order.member
    if member is None:
        return 0
    categories = current_index().categories
    lines = [
        (categories.get(line.sku.product.category_id, frozenset()), line.amount)
        for line in order.lines.select_related("sku__product")
    ]
    quote = order_points_earn_quote(
        member=member,
        lines=lines,
        paid_by_points=order.points_value,
        channel_code=order.channel.code,
        at=at,
    )
    order_points_post_earn(number=order.number, member=member, quote=quote, at=at)
    earned = quote.points
    if earned:
        Order.objects.filter(pk=order.pk).update(points_earned=earned)
        order.points_earned = earned
    return earned


def restore_expiry(order: Order, at: datetime) -> datetime:
    """Points given back (a return, an order never paid) expire when the soonest lot their
    burn spent would have: giving points back never extends their life."""
    soonest = LedgerEntry.objects.filter(
        transaction__reference=f"order:{order.number}:burn", lot__isnull=False
    ).aggregate(m=Min("lot__expires_at"))["m"]
    return soonest or at
