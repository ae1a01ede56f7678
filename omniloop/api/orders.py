"""Orders for HQ customer service: cancel an order before it is fulfilled (the money back
through the payment provider, coupons, points and held stock given back; `orders.cancel`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.schemas import ErrorOut, Strict
from omniloop.orders.cancel import order_cancel

router = Router(tags=["orders"])
ERRORS: dict[int, Any] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422)}


class CancelIn(Strict):
    reason: str = Field("", max_length=200)


class CancelOut(Schema):
    order_number: str
    status: str
    refunded_total: Decimal
    replayed: bool


@router.post(
    "/orders/{number}/cancel",
    auth=TokenAuth(scope="orders.cancel"),
    response={200: CancelOut, **ERRORS},
    summary="Cancel an order before fulfilment; idempotent (a second cancel replays)",
)
def cancel(request: HttpRequest, number: str, body: CancelIn) -> CancelOut:
    actor = actor_of(request)
    result = order_cancel(order_number=number, reason=body.reason, actor_id=actor.user_id)
    order = result.order
    return CancelOut(
        order_number=order.number,
        status=order.status,
        refunded_total=order.refunded_total,
        replayed=result.replayed,
    )
