"""Who gets what of one order: the rule in force, the parties it names, and the exact split.
Pure given a `RuleBook` and the order's rows, so a single record and a bulk backfill agree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from omniloop.orders.models import Order
from omniloop.settlement.allocation import allocate
from omniloop.settlement.periods import open_period_for, period_of
from omniloop.settlement.rules import RuleBook, RuleVersion
from omniloop.settlement.values import ROLE_ORDER, Party, PartyShare, Role

CENT = Decimal("0.01")
# A role whose store is missing falls back to the first of these that has one.
FALLBACK = (Role.CREDITED, Role.ORDERING, Role.FULFILLING)


@dataclass(frozen=True)
class LineBasis:
    amount: Decimal
    category_id: int | None


@dataclass(frozen=True)
class OrderPlan:
    rule: RuleVersion
    paid_at: datetime
    shares: tuple[PartyShare, ...]
    commission_rate: Fraction  # commission per unit of credited amount


def cents(amount: Decimal) -> int:
    return int((amount / CENT).to_integral_value())


def to_amount(value: int) -> Decimal:
    return (Decimal(value) * CENT).quantize(CENT)


def paid_time(order: Order) -> datetime:
    return order.paid_at or order.ordered_at


def _stores(order: Order) -> dict[Role, int | None]:
    touchpoint = order.touchpoint
    return {
        Role.CREDITED: order.credited_store_id,
        Role.ORDERING: touchpoint.store_id if touchpoint is not None else None,
        Role.FULFILLING: order.store_id,
    }


def parties_for(order: Order, role: Role) -> Party:
    """The party a role credits on this order. The store: the role's own, else the first of
    credited, ordering, fulfilling that the order has, else none (HQ). The assistant: the
    ordering touchpoint's (an assistant's card) for the ordering role when it names one, else
    the order's credited assistant when the store is the credited store."""
    stores = _stores(order)
    store_id = stores[role]
    if store_id is None:
        store_id = next((stores[r] for r in FALLBACK if stores[r] is not None), None)
    touchpoint = order.touchpoint
    assistant_id = None
    if (
        role is Role.ORDERING
        and touchpoint is not None
        and touchpoint.assistant_id is not None
        and touchpoint.store_id == store_id
    ):
        assistant_id = touchpoint.assistant_id
    elif store_id is not None and store_id == order.credited_store_id:
        assistant_id = order.credited_assistant_id
    return Party(store_id, assistant_id)


def split(order: Order, rule: RuleVersion) -> tuple[PartyShare, ...]:
    """The order's total split among the rule's parties; parties that are the same store and
    assistant are one share. Zero shares are left out."""
    merged: dict[Party, tuple[list[Role], int]] = {}
    for role in ROLE_ORDER:
        bp = rule.shares.of(role)
        if bp <= 0:
            continue
        party = parties_for(order, role)
        roles, total = merged.get(party, ([], 0))
        merged[party] = ([*roles, role], total + bp)
    parties = list(merged.items())
    amounts = allocate(cents(order.total), [bp for _, (_, bp) in parties])
    return tuple(
        PartyShare(party, tuple(roles), amount)
        for (party, (roles, _)), amount in zip(parties, amounts, strict=True)
        if amount > 0
    )


def commission_rate(order: Order, lines: list[LineBasis], book: RuleBook, at: datetime) -> Fraction:
    """Commission per unit of the order's credited money: each line's rate weighted by its
    share of the order total. Shipping (and anything else not in a line) earns none."""
    denominator = max(order.total, sum((line.amount for line in lines), Decimal(0)))
    if denominator <= 0:
        return Fraction(0)
    weighted = sum(
        cents(line.amount) * book.commission_rate(order.flow, line.category_id, at)
        for line in lines
    )
    if not weighted:
        return Fraction(0)
    return Fraction(weighted, cents(denominator) * 10_000)


def plan(order: Order, lines: list[LineBasis], book: RuleBook) -> OrderPlan:
    at = paid_time(order)
    rule = book.settlement_rule(order.flow, at)
    shares = split(order, rule) if rule.enabled else ()
    return OrderPlan(rule, at, shares, commission_rate(order, lines, book, at))


def round_half_up(value: Fraction) -> int:
    """Cents, halves away from zero."""
    sign = -1 if value < 0 else 1
    magnitude = abs(value)
    whole, rest = divmod(magnitude.numerator, magnitude.denominator)
    return sign * (whole + (1 if 2 * rest >= magnitude.denominator else 0))


def commission_cents(base_cents: int, rate: Fraction) -> int:
    return round_half_up(base_cents * rate)


def sale_period(order: Order, closed: frozenset[date], zone: ZoneInfo) -> date:
    """The month the order was paid in, or the first open month after it if that is closed."""
    return open_period_for(period_of(paid_time(order), zone), closed)
