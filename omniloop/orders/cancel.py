"""Cancelling a paid order before it is fulfilled (取消订单): the shopper changed their mind, the
store cannot supply it, customer service cancels it, or the marketplace says so.

A cancellation is the whole order given back, as a full return under the reference
`cancel:<number>` (`orders.returns.order_return`): the money through the provider that took it
(`payments.refunds`: on commit, idempotent by our refund number, settled by the provider's
verified notification when it answers later), the points that paid restored, the points it
earned taken back (a debt if already spent), every coupon given back whatever its template
says (the shopper got nothing for it), settlement taken back through the `refunded` event,
and the stock held for it released. The order ends `cancelled`.

Races: the order's payments and then the order are locked (the one lock order of online
orders), so a cancel racing another cancel, a payment notification or the store's fulfilment
(the till collecting a pickup) runs strictly before or after it: a second cancel replays, a
cancel after fulfilment is `order_already_fulfilled` (409) and writes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound
from omniloop.inventory.services import stock_release
from omniloop.orders.models import Order, OrderReturn
from omniloop.orders.online_settle import lock_order_with_payments, order_cancel_unpaid
from omniloop.orders.returns import ReturnInput, order_return

S = Order.Status
CANCELLABLE = frozenset({S.PAID, S.READY})
HOLD_KINDS = ("pickup", "endless_aisle", "ship_from_store")


@dataclass(frozen=True)
class CancelResult:
    order: Order
    order_return: OrderReturn | None  # None: it was never paid, nothing to give back
    replayed: bool = False


def cancel_reference(order_number: str) -> str:
    return f"cancel:{order_number}"


@transaction.atomic
def order_cancel(
    *, order_number: str, reason: str = "", actor_id: int | None = None, at: datetime | None = None
) -> CancelResult:
    """Cancel the order `order_number` before fulfilment, giving everything back (see the
    module). Pending: cancelled unpaid. Cancelled already: a replay. Shipped, completed or
    refunded: `order_already_fulfilled` / `order_fully_refunded` (409), nothing written."""
    at = at or clock.now()
    order_id = Order.objects.filter(number=order_number.strip()).values_list("pk", flat=True)
    found = next(iter(order_id), None)
    if found is None:
        raise NotFound("No such order.", code="order_not_found")
    order = lock_order_with_payments(found)
    if order.status == S.CANCELLED:
        previous = OrderReturn.objects.filter(reference=cancel_reference(order.number)).first()
        return CancelResult(order=order, order_return=previous, replayed=True)
    if order.status == S.PENDING:
        order = order_cancel_unpaid(order=order, at=at, note=reason or "cancelled")
        return CancelResult(order=order, order_return=None)
    if order.status == S.REFUNDED:
        raise Conflict("This order is already fully refunded.", code="order_fully_refunded")
    if order.status not in CANCELLABLE:
        raise Conflict(
            f"An order that is {order.status} was already fulfilled; return it instead.",
            code="order_already_fulfilled",
            extra={"status": order.status},
        )
    result = order_return(
        order_number=order.number,
        ret=ReturnInput(reference=cancel_reference(order.number), reason=reason or "cancelled"),
        actor_id=actor_id,
        at=at,
        cancel=True,
    )
    for kind in HOLD_KINDS:
        try:
            stock_release(reference=order.number, kind=kind, at=at)
        except NotFound:  # nothing was held under this kind (refused before any write)
            continue
    return CancelResult(order=result.order, order_return=result.order_return)
