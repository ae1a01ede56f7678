"""Pickups at the till (/api/v1/pos/pickups): the store's queue, and verifying a member's code
when they come for their order (ADR 24)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.pos import ERRORS
from omniloop.api.schemas import Strict
from omniloop.orders.pickup import pickup_collect, pickup_queue
from omniloop.stores.models import Store

router = Router(tags=["till"])
PICKUP_ERRORS: dict[int, Any] = {**ERRORS, 429: ERRORS[422]}


class PickupOut(Schema):
    number: str
    status: str
    total: Decimal
    paid_at: datetime | None
    pickup_expires_at: datetime | None
    lines: list[dict[str, Any]]


class CollectIn(Strict):
    order_number: str = Field(..., min_length=1, max_length=32)
    code: str = Field(..., min_length=1, max_length=12, description="The member's pickup code")


def _out(order: Any) -> PickupOut:
    return PickupOut(
        number=order.number,
        status=order.status,
        total=order.total,
        paid_at=order.paid_at,
        pickup_expires_at=order.pickup_expires_at,
        lines=[{"sku": li.sku.sku_code, "quantity": li.quantity} for li in order.lines.all()],
    )


@router.get(
    "/pickups",
    auth=TokenAuth(scope="pos.pickups"),
    response={200: list[PickupOut], **ERRORS},
    summary="This store's pickup orders to prepare (paid) and to hand over (ready)",
)
def queue(request: HttpRequest) -> list[PickupOut]:
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token
    actor_of(request)
    return [_out(o) for o in pickup_queue(store_id=store.pk)[:200]]


@router.post(
    "/pickups/collect",
    auth=TokenAuth(scope="pos.pickups"),
    response={200: PickupOut, **PICKUP_ERRORS},
    summary="Verify a pickup code and hand the order over (completes it, consumes the stock)",
)
def collect(request: HttpRequest, body: CollectIn) -> PickupOut:
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token
    actor_of(request)
    order = pickup_collect(store=store, order_number=body.order_number, code=body.code)
    return _out(order)
