"""What other apps hear about orders, without orders importing them (they sit above it).

Apps register listeners in their AppConfig.ready(), as they do merge handlers: settlement
settles a paid order and takes refunds back; member features update. Listeners run inside the
order's transaction, so an order is paid, settled and counted together or not at all; each is
idempotent (a replayed call writes nothing more)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class OrderRefunded:
    order_id: int
    amount: Decimal
    reference: str


PaidListener = Callable[[int], object]
RefundListener = Callable[[OrderRefunded], object]
_paid: dict[str, PaidListener] = {}
_refunded: dict[str, RefundListener] = {}


def register_order_listener(
    name: str, *, paid: PaidListener | None = None, refunded: RefundListener | None = None
) -> None:
    if paid is not None:
        _paid[name] = paid
    if refunded is not None:
        _refunded[name] = refunded


def order_paid(order_id: int) -> None:
    """An order was paid (a till sale as it is recorded, an online order on its payment)."""
    for _, listener in sorted(_paid.items()):
        listener(order_id)


def order_refunded(event: OrderRefunded) -> None:
    """Money went back on an order (after its `refunded_total` includes it)."""
    for _, listener in sorted(_refunded.items()):
        listener(event)
