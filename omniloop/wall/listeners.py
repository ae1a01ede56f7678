"""The wall's listeners: orders paid and refunded (`orders.events`, run by the order event's task
after the order commits, ADR 29), scans recorded (`touchpoints.events`) and members created,
bound or merged (`members.events`), those two in the event's own transaction. Each is idempotent
(a replay adds nothing)."""

from __future__ import annotations

from typing import Any

from omniloop.orders.events import OrderRefunded
from omniloop.orders.models import Order, OrderReturn
from omniloop.touchpoints.models import ScanEvent
from omniloop.wall.cells import UNPAID_STATUSES, cell_add, fen, local_day, mark_once, zone_of
from omniloop.wall.member_facts import member_fact_order_paid, member_fact_refresh
from omniloop.wall.models import CountedOrder, CountedRefund, SalesDay, ScanDay

ORDER_DIMS = (
    "paid_at",
    "ordered_at",
    "status",
    "credited_store_id",
    "store_id",
    "channel_id",
    "touchpoint_id",
    "credited_assistant_id",
    "flow",
    "member_id",
    "total",
)


def _sales_key(order: dict[str, Any]) -> tuple[dict[str, Any], int]:
    store_id = order["credited_store_id"] or order["store_id"] or 0
    key = {
        "store_id": store_id,
        "channel_id": order["channel_id"],
        "touchpoint_id": order["touchpoint_id"] or 0,
        "assistant_id": order["credited_assistant_id"] or 0,
        "flow": order["flow"],
    }
    return key, store_id


def wall_order_paid(order_id: int) -> None:
    order = Order.objects.filter(pk=order_id).values(*ORDER_DIMS).first()
    if order is None or order["status"] in UNPAID_STATUSES:
        return
    if not mark_once(CountedOrder, order_id):
        return
    key, store_id = _sales_key(order)
    day = local_day(order["paid_at"] or order["ordered_at"], zone_of(store_id))
    cell_add(
        SalesDay,
        {"day": day, **key},
        {"orders": 1, "gross_fen": fen(order["total"]), "refunds": 0, "refund_fen": 0},
    )
    if order["member_id"]:
        member_fact_order_paid(order["member_id"], day)


def wall_order_refunded(event: OrderRefunded) -> None:
    order = Order.objects.filter(pk=event.order_id).values(*ORDER_DIMS).first()
    given = OrderReturn.objects.filter(reference=event.reference).values("created_at").first()
    if order is None or order["status"] in UNPAID_STATUSES or given is None:
        return  # the wall counts refunds of paid orders, as returns (`OrderReturn`) record them
    if not mark_once(CountedRefund, event.reference):
        return
    key, store_id = _sales_key(order)
    day = local_day(given["created_at"], zone_of(store_id))
    cell_add(
        SalesDay,
        {"day": day, **key},
        {"orders": 0, "gross_fen": 0, "refunds": 1, "refund_fen": fen(event.amount)},
    )


def wall_scan_recorded(scan: ScanEvent) -> None:
    store_id = scan.store_id or 0
    cell_add(
        ScanDay,
        {
            "day": local_day(scan.scanned_at, zone_of(store_id)),
            "store_id": store_id,
            "touchpoint_id": scan.touchpoint_id,
            "assistant_id": scan.assistant_id or 0,
        },
        {"scans": 1},
    )


def wall_member_changed(member_id: int) -> None:
    member_fact_refresh(member_id)
