"""Settlement reports: per store and per assistant per period, and the assistants' O2O
performance. Store staff see their own store; an assistant sees their own row among the
assistants; HQ sees everything."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role, User
from omniloop.attribution.models import BindingChange
from omniloop.core import clock
from omniloop.orders.models import Order, OrderStatusChange
from omniloop.settlement.models import CommissionEntry, OrderSettlement, SettlementEntry
from omniloop.settlement.periods import period_bounds, period_of, previous_period
from omniloop.stores.models import Store

ZERO = Decimal("0.00")
# Flows where a member buys online (or on a screen) rather than at the till.
ONLINE_FLOWS = (
    Order.Flow.ONLINE,
    Order.Flow.PICKUP,
    Order.Flow.SCAN_TO_BUY,
    Order.Flow.ENDLESS_AISLE,
    Order.Flow.SHIP_FROM_STORE,
    Order.Flow.MARKETPLACE,
)


@dataclass(frozen=True)
class StoreRow:
    store: Store | None  # None: nobody could be credited (HQ)
    orders: int
    sales: Decimal
    refunds: Decimal
    net: Decimal


@dataclass(frozen=True)
class AssistantRow:
    assistant: User
    store: Store | None
    orders: int
    sales: Decimal
    refunds: Decimal
    net: Decimal
    commission: Decimal


@dataclass(frozen=True)
class PerformanceRow:
    assistant: User
    store: Store | None
    recruited: int
    online_orders: int
    online_sales: Decimal
    pickups: int
    commission: Decimal


def _entries(actor: Actor, period: date) -> QuerySet[SettlementEntry]:
    qs = SettlementEntry.objects.filter(period=period)
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    return qs


def _assistants(actor: Actor) -> QuerySet[User]:
    qs = User.objects.filter(role=Role.ASSISTANT).select_related("store")
    if actor.role == Role.ASSISTANT:
        return qs.filter(pk=actor.user_id or 0)
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    return qs


_SUMS = {
    "orders": Count("order_id", distinct=True, filter=Q(kind="sale")),
    "sales": Sum("amount", filter=Q(kind="sale")),
    "refunds": Sum("amount", filter=Q(kind="refund")),
    "net": Sum("amount"),
}


def settlement_by_store(*, actor: Actor, period: date) -> list[StoreRow]:
    rows = _entries(actor, period).values("store_id").annotate(**_SUMS).order_by("store_id")
    stores = Store.objects.in_bulk([r["store_id"] for r in rows if r["store_id"]])
    out = [
        StoreRow(
            store=stores.get(r["store_id"]) if r["store_id"] else None,
            orders=r["orders"],
            sales=r["sales"] or ZERO,
            refunds=r["refunds"] or ZERO,
            net=r["net"] or ZERO,
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (r.store is None, r.store.code if r.store else ""))


def _commission(actor: Actor, period: date, assistant_ids: list[int]) -> dict[int, Decimal]:
    qs = CommissionEntry.objects.filter(period=period, assistant_id__in=assistant_ids)
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    rows = qs.values("assistant_id").annotate(t=Sum("amount"))
    return {r["assistant_id"]: r["t"] for r in rows}


def settlement_by_assistant(*, actor: Actor, period: date) -> list[AssistantRow]:
    assistants = {a.pk: a for a in _assistants(actor)}
    rows = (
        _entries(actor, period)
        .filter(assistant_id__in=list(assistants))
        .values("assistant_id")
        .annotate(**_SUMS)
    )
    commission = _commission(actor, period, list(assistants))
    out = [
        AssistantRow(
            assistant=assistants[r["assistant_id"]],
            store=assistants[r["assistant_id"]].store,
            orders=r["orders"],
            sales=r["sales"] or ZERO,
            refunds=r["refunds"] or ZERO,
            net=r["net"] or ZERO,
            commission=commission.get(r["assistant_id"], ZERO),
        )
        for r in rows
    ]
    return sorted(out, key=lambda r: (-r.net, r.assistant.username))


def _pickups_served(assistants: dict[int, User], period: date) -> dict[int, int]:
    """Pickup orders completed in the period at the assistant's store: by them (the status
    change names them), or, when the completion names nobody (a till verified the code), the
    order's credited assistant. A completed pickup with no history counts by its paid time."""
    start, end = period_bounds(period)
    store_ids = {a.store_id for a in assistants.values() if a.store_id}
    served: dict[int, int] = defaultdict(int)
    orders = Order.objects.filter(
        fulfilment=Order.Fulfilment.PICKUP,
        store_id__in=store_ids,
        status__in=(Order.Status.COMPLETED, Order.Status.REFUNDED),
    )
    changes = OrderStatusChange.objects.filter(
        order__in=orders, to_status=Order.Status.COMPLETED
    ).values_list("order_id", "actor_id", "at")
    last: dict[int, tuple[int | None, datetime]] = {}
    for order_id, completer_id, completed_at in changes.order_by("order_id", "at", "pk"):
        last[order_id] = (completer_id, completed_at)
    for order in orders.filter(Q(pk__in=list(last)) | Q(paid_at__gte=start, paid_at__lt=end)).only(
        "pk", "store_id", "credited_assistant_id", "paid_at", "ordered_at"
    ):
        completer: int | None = None
        if order.pk in last:
            completer, completed_at = last[order.pk]
            if not start <= completed_at < end:
                continue
        who = completer or order.credited_assistant_id
        assistant = assistants.get(who) if who else None
        if assistant is not None and assistant.store_id == order.store_id:
            served[assistant.pk] += 1
    return served


def o2o_performance(*, actor: Actor, period: date) -> list[PerformanceRow]:
    """Per assistant in the period: members recruited (first bindings naming them), online
    sales credited to them (net settled amount of the online flows, and how many orders),
    pickups served, commission."""
    assistants = {a.pk: a for a in _assistants(actor)}
    ids = list(assistants)
    start, end = period_bounds(period)
    recruited = dict(
        BindingChange.objects.filter(
            kind=BindingChange.Kind.INITIAL,
            to_assistant_id__in=ids,
            changed_at__gte=start,
            changed_at__lt=end,
        )
        .values("to_assistant_id")
        .annotate(n=Count("member_id", distinct=True))
        .values_list("to_assistant_id", "n")
    )
    online = {
        r["assistant_id"]: r
        for r in _entries(actor, period)
        .filter(assistant_id__in=ids, flow__in=ONLINE_FLOWS)
        .values("assistant_id")
        .annotate(**_SUMS)
    }
    commission = _commission(actor, period, ids)
    served = _pickups_served(assistants, period)
    rows = [
        PerformanceRow(
            assistant=a,
            store=a.store,
            recruited=recruited.get(a.pk, 0),
            online_orders=online[a.pk]["orders"] if a.pk in online else 0,
            online_sales=(online[a.pk]["net"] or ZERO) if a.pk in online else ZERO,
            pickups=served.get(a.pk, 0),
            commission=commission.get(a.pk, ZERO),
        )
        for a in assistants.values()
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.store.code if r.store else "",
            -r.online_sales,
            -r.commission,
            r.assistant.username,
        ),
    )


def settlement_periods(*, today_period: date, count: int = 12) -> list[date]:
    """The periods a report can show: the last `count` months up to now, and any older month
    that has entries."""
    periods = {today_period}
    p = today_period
    for _ in range(count - 1):
        p = previous_period(p)
        periods.add(p)
    periods.update(OrderSettlement.objects.values_list("period", flat=True).distinct()[:120])
    return sorted(periods, reverse=True)


def current_period() -> date:
    return period_of(clock.now())
