"""Order status transitions: the one place an order's status changes, each change kept as an
`OrderStatusChange` row.

A transition is a conditional UPDATE (`WHERE status = <from>`), so two racing transitions
from one status cannot both happen: the loser gets `order_status_conflict` (409) and writes
nothing."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import Conflict
from omniloop.orders.models import Order, OrderStatusChange

S = Order.Status
ALLOWED: dict[str, frozenset[str]] = {
    "": frozenset({S.PENDING, S.COMPLETED}),
    S.PENDING: frozenset({S.PAID, S.CANCELLED}),
    S.PAID: frozenset({S.READY, S.SHIPPED, S.COMPLETED, S.CANCELLED, S.REFUNDED}),
    S.READY: frozenset({S.COMPLETED, S.CANCELLED, S.REFUNDED}),
    S.SHIPPED: frozenset({S.COMPLETED, S.REFUNDED}),
    S.COMPLETED: frozenset({S.REFUNDED}),
    S.CANCELLED: frozenset(),
    S.REFUNDED: frozenset(),
}


def status_record_initial(*, order: Order, actor_id: int | None = None, note: str = "") -> None:
    """The first row of an order's history (from nothing to its initial status)."""
    OrderStatusChange.objects.create(
        order=order,
        from_status="",
        to_status=order.status,
        actor_id=actor_id,
        note=note[:200],
        at=order.ordered_at,
    )


@transaction.atomic
def order_transition(
    *,
    order: Order,
    to: str,
    actor_id: int | None = None,
    note: str = "",
    at: datetime | None = None,
    extra: dict[str, object] | None = None,
) -> Order:
    """Move `order` from its current status to `to` (also writing `extra` fields), or raise
    `order_status_invalid` (409, not an allowed move) / `order_status_conflict` (409, the order
    changed meanwhile). Updates `order` in place."""
    at = at or clock.now()
    current = order.status
    if to not in ALLOWED.get(current, frozenset()):
        raise Conflict(
            f"An order cannot go from {current} to {to}.",
            code="order_status_invalid",
            extra={"from": current, "to": to},
        )
    fields: dict[str, object] = {"status": to, **(extra or {})}
    moved = Order.objects.filter(pk=order.pk, status=current).update(**fields)
    if not moved:
        raise Conflict("The order changed meanwhile.", code="order_status_conflict")
    for name, value in fields.items():
        setattr(order, name, value)
    OrderStatusChange.objects.create(
        order=order, from_status=current, to_status=to, actor_id=actor_id, note=note[:200], at=at
    )
    return order
