"""What other apps hear about orders, without orders importing them (they sit above it).

Apps register listeners in their AppConfig.ready(), as they do merge handlers: settlement
settles a paid order and takes refunds back; member features update. The order's transaction
only enqueues one task per event (`orders.tasks.order_event_task`, written in that transaction
by the database backend: it exists if and only if the order commits, ADR 6); a worker then
runs every listener, each in its own savepoint. So the till's transaction carries one INSERT
for all the listeners, not their work (ADR 29). Each listener is idempotent (a replayed event
writes nothing more), and each app has its own sweep for an event whose task failed
(settlement's 15-minute backfill, the nightly features rebuild)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger("omniloop.orders.events")


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


def _publish(kind: str, payload: dict[str, Any]) -> None:
    from omniloop.core.tasks import enqueue_with_cause
    from omniloop.orders.tasks import order_event_task

    enqueue_with_cause(order_event_task, kind, payload)


def order_paid(order_id: int) -> None:
    """An order was paid (a till sale as it is recorded, an online order on its payment)."""
    _publish("paid", {"order_id": order_id})


def order_refunded(event: OrderRefunded) -> None:
    """Money went back on an order (after its `refunded_total` includes it)."""
    payload = {"order_id": event.order_id, "amount": str(event.amount), "ref": event.reference}
    _publish("refunded", payload)


def order_event_dispatch(kind: str, payload: dict[str, Any]) -> list[str]:
    """Run the listeners of one event (the task's body). A failing listener is logged and
    does not stop the others; the task then fails (visible in the worker's results) and that
    app's sweep repairs it."""
    calls: list[tuple[str, Callable[[], object]]]
    if kind == "paid":
        order_id = int(payload["order_id"])
        calls = [(n, partial(f, order_id)) for n, f in sorted(_paid.items())]
    elif kind == "refunded":
        event = OrderRefunded(int(payload["order_id"]), Decimal(payload["amount"]), payload["ref"])
        calls = [(n, partial(f, event)) for n, f in sorted(_refunded.items())]
    else:
        raise ValueError(f"unknown order event {kind!r}")
    failed = []
    for name, call in calls:
        try:
            with transaction.atomic():
                call()
        except Exception:
            log.exception("order %s listener %s failed for %s", kind, name, payload)
            failed.append(name)
    if failed:
        raise OrderListenersFailed(f"order {kind} listeners failed: {', '.join(failed)}")
    return [name for name, _ in calls]


class OrderListenersFailed(RuntimeError):
    pass
