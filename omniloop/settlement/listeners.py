"""Settlement hears about orders through `orders.events` (it sits above orders)."""

from __future__ import annotations

from omniloop.orders.events import OrderRefunded
from omniloop.settlement.services import settlement_record, settlement_refund


def settle_paid(order_id: int) -> None:
    settlement_record(order_id=order_id)


def settle_refund(event: OrderRefunded) -> None:
    settlement_refund(order_id=event.order_id, amount=event.amount, refund_ref=event.reference)
