"""Orders a store ships (门店发货): endless-aisle orders another store took for this store's
stock, and ship-to-home orders routing sent here (`orders.routing`). The store's queue lists
the paid ones; shipping consumes the held stock and moves the order to shipped, once."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet

from omniloop.accounts.access import Actor
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound
from omniloop.inventory.services import stock_consume
from omniloop.orders.models import Order
from omniloop.orders.status import order_transition

SHIPPED_BY_STORE = {
    Order.Flow.ENDLESS_AISLE: "endless_aisle",
    Order.Flow.SHIP_FROM_STORE: "ship_from_store",
}


def ship_queue(*, store_id: int) -> QuerySet[Order]:
    """The store's paid orders to ship, oldest payment first."""
    return (
        Order.objects.filter(
            store_id=store_id,
            fulfilment=Order.Fulfilment.STORE_SHIP,
            flow__in=list(SHIPPED_BY_STORE),
            status=Order.Status.PAID,
        )
        .select_related("member", "address")
        .prefetch_related("lines__sku__product")
        .order_by("paid_at", "pk")
    )


@transaction.atomic
def store_order_ship(
    *,
    actor: Actor,
    order_number: str,
    flows: tuple[str, ...] = tuple(SHIPPED_BY_STORE),
    at: datetime | None = None,
) -> Order:
    """The shipping store sends the goods: the held stock leaves it, the order is shipped.
    Staff and tills reach only their own store's orders (404); shipping again replays."""
    at = at or clock.now()
    order = Order.objects.select_for_update().filter(number=order_number.strip()).first()
    if order is None or order.flow not in flows:
        raise NotFound("No such order.", code="order_not_found")
    if not actor.is_hq and actor.store_id != order.store_id:
        raise NotFound("No such order.", code="order_not_found")
    if order.status == Order.Status.SHIPPED:
        return order
    if order.status != Order.Status.PAID:
        raise Conflict(
            f"An order that is {order.status} cannot be shipped.",
            code="order_not_shippable",
            extra={"status": order.status},
        )
    kind = SHIPPED_BY_STORE[Order.Flow(order.flow)]
    stock_consume(reference=order.number, kind=kind, store_id=order.store_id, at=at)
    return order_transition(order=order, to=Order.Status.SHIPPED, at=at, note="shipped")
