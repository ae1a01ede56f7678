"""The fixture month: every flow, settled, against an independent computation written here from
the orders and the default rules (not from the settlement code)."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.db.models import Sum

from omniloop.orders.models import Order
from omniloop.settlement.models import CommissionEntry, OrderSettlement, SettlementEntry
from omniloop.settlement.services import settlement_backfill, settlement_record, settlement_refund
from tests.settlement.world import Brand, fixture_month

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")
HQ = None  # no store could be credited


def _parties(order: Order) -> list[tuple[int | None, int | None, Fraction]]:
    """Who the default rules credit, written out flow by flow (ADR 19's table)."""
    F = Order.Flow
    credited = (order.credited_store_id, order.credited_assistant_id)
    if order.flow == F.STORE_SALE:
        same = order.credited_store_id == order.store_id
        return [(order.store_id, order.credited_assistant_id if same else None, Fraction(1))]
    if order.flow in (F.ONLINE, F.MARKETPLACE):
        return [(*credited, Fraction(1))]
    # The fulfilling store's share carries the credited assistant only when it is their store.
    fulfilling_assistant = (
        order.credited_assistant_id if order.store_id == order.credited_store_id else None
    )
    if order.flow == F.PICKUP:
        return [
            (*credited, Fraction(7, 10)),
            (order.store_id, fulfilling_assistant, Fraction(3, 10)),
        ]
    if order.flow == F.SHIP_FROM_STORE:
        return [(*credited, Fraction(1, 2)), (order.store_id, fulfilling_assistant, Fraction(1, 2))]
    tp = order.touchpoint
    assert tp is not None
    if tp.assistant_id:
        return [(tp.store_id, tp.assistant_id, Fraction(1))]
    same = order.credited_store_id == tp.store_id
    return [(tp.store_id, order.credited_assistant_id if same else None, Fraction(1))]


def _rounded(parts: list[Fraction]) -> list[Decimal]:
    """Nearest cent; a tie goes to the earlier party (exact for one- and two-party splits)."""
    out = []
    for i, part in enumerate(parts):
        cents = part * 100
        floor = cents.numerator // cents.denominator
        rest = cents - floor
        up = rest > Fraction(1, 2) or (rest == Fraction(1, 2) and i == 0)
        out.append(Decimal(floor + up) * CENT)
    return out


def _expected(orders: list[Order], refunds: dict[int, Decimal]):
    by_store: dict[int | None, Decimal] = defaultdict(Decimal)
    by_assistant: dict[int, Decimal] = defaultdict(Decimal)
    for order in orders:
        if order.status in (Order.Status.PENDING, Order.Status.CANCELLED):
            continue
        parties = _parties(order)
        shares = _rounded([Fraction(order.total) * w for *_, w in parties])
        refund = refunds.get(order.pk, Decimal(0))
        back = _rounded([Fraction(refund) * Fraction(s) / Fraction(order.total) for s in shares])
        for (store_id, assistant_id, _), share, taken in zip(parties, shares, back, strict=True):
            by_store[store_id] += share - taken
            if assistant_id:
                by_assistant[assistant_id] += share - taken
    return by_store, by_assistant


def _ledger(field: str) -> dict:
    rows = SettlementEntry.objects.values(field).annotate(t=Sum("amount")).order_by(field)
    return {r[field]: r["t"] for r in rows if r["t"] or r[field] is not None}


def test_every_flow_settles_to_the_sum_of_the_orders(brand: Brand):
    orders = fixture_month(brand)
    pickup = next(o for o in orders if o.flow == Order.Flow.PICKUP)

    for order in orders:
        if order.status not in (Order.Status.PENDING, Order.Status.CANCELLED):
            settlement_record(order_id=order.pk)
    Order.objects.filter(pk=pickup.pk).update(refunded_total=Decimal("100.00"))
    settlement_refund(
        order_id=pickup.pk, amount=Decimal("100.00"), refund_ref="rf-1", at=brand.at(25)
    )

    orders = list(Order.objects.select_related("touchpoint").order_by("pk"))
    by_store, by_assistant = _expected(orders, {pickup.pk: Decimal("100.00")})
    assert _ledger("store_id") == {k: v for k, v in by_store.items() if v}
    assistants = _ledger("assistant_id")
    assistants.pop(None)
    assert assistants == {k: v for k, v in by_assistant.items() if v}
    # The ledger's whole month is what the paid orders took, less the refund (plain SQL-ish).
    paid = Order.objects.exclude(status__in=["pending", "cancelled"]).aggregate(t=Sum("total"))
    assert SettlementEntry.objects.aggregate(t=Sum("amount"))["t"] == paid["t"] - Decimal("100")
    assert set(SettlementEntry.objects.values_list("period", flat=True)) == {brand.period}
    # Every settled order's entries sum to its total, to the cent.
    for header in OrderSettlement.objects.all():
        sale = header.entries.filter(kind="sale").aggregate(t=Sum("amount"))["t"]
        assert sale == Order.objects.get(pk=header.order_id).total
    # Nobody to credit: the anonymous online and marketplace orders are HQ's.
    nobody = [o for o in orders if not (o.credited_store_id or o.store_id or o.touchpoint_id)]
    assert len([o for o in nobody if o.status == "completed"]) == 2
    assert _ledger("store_id")[HQ] == sum(
        (o.total for o in nobody if o.status == "completed"), Decimal(0)
    )


# Independent commission rates (the fixture's rules): 5% on outerwear, else 3% on pickups,
# else 2%.
def _rate(order: Order, category_code: str) -> Fraction:
    if category_code == "coats":
        return Fraction(5, 100)
    if order.flow == Order.Flow.PICKUP:
        return Fraction(3, 100)
    return Fraction(2, 100)


def test_commission_per_assistant_follows_lines_rates_and_the_refund(brand: Brand):
    orders = fixture_month(brand)
    settlement_backfill()
    pickup = next(o for o in orders if o.flow == Order.Flow.PICKUP)
    Order.objects.filter(pk=pickup.pk).update(refunded_total=Decimal("100.00"))
    settlement_refund(order_id=pickup.pk, amount=Decimal("100.00"), refund_ref="rf-1")

    expected: dict[int, Fraction] = defaultdict(Fraction)
    for order in Order.objects.select_related("touchpoint").exclude(
        status__in=["pending", "cancelled"]
    ):
        weighted = sum(
            Fraction(line.amount) * _rate(order, line.sku.product.category.code)
            for line in order.lines.select_related("sku__product__category")
        )
        per_unit = weighted / Fraction(order.total)
        kept = 1 - (Fraction(100) / Fraction(order.total) if order.pk == pickup.pk else 0)
        for _store, assistant_id, share in _parties(order):
            if assistant_id:
                expected[assistant_id] += Fraction(order.total) * share * kept * per_unit
    rows = CommissionEntry.objects.values("assistant_id").annotate(t=Sum("amount"))
    got = {r["assistant_id"]: r["t"] for r in rows}
    assert set(got) == set(expected)
    for assistant_id, amount in expected.items():
        exact = Decimal(amount.numerator) / Decimal(amount.denominator)
        orders_of = SettlementEntry.objects.filter(assistant_id=assistant_id).count()
        # Each entry is rounded once (half up) to the cent: at most half a cent off per entry.
        assert abs(got[assistant_id] - exact) <= Decimal("0.005") * orders_of, assistant_id
    # c1 gets the whole endless-aisle coat through their card: 5% of 333.33, rounded half up.
    assert got[brand.c1.pk] == (Decimal("333.33") * Decimal("0.05")).quantize(
        CENT, rounding=ROUND_HALF_UP
    )
