"""Returns at the till (/api/v1/pos/returns): an order of any channel, returned at this store."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema, Status

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.idempotent import respond_idempotently
from omniloop.api.pos import ERRORS
from omniloop.api.schemas import ErrorOut, PositiveMoneyTotal, Strict
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.stores.models import Store

router = Router(tags=["till"])
__all__ = ["ErrorOut", "router"]


class ReturnLineIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48, description="SKU code or barcode")
    quantity: int = Field(..., ge=1, le=9999)


class ReturnIn(Strict):
    order_number: str = Field(..., min_length=1, max_length=32)
    reference: str = Field(
        ..., min_length=1, max_length=48, description="The till's return receipt number"
    )
    lines: list[ReturnLineIn] = Field(
        default_factory=list,
        max_length=200,
        description="The goods returned; none (and no amount): everything not yet returned",
    )
    amount: PositiveMoneyTotal | None = Field(
        None, description="A money refund without goods (price adjustment); at most what is left"
    )
    reason: str = Field("", max_length=200)


class ReturnOut(Schema):
    order_number: str
    reference: str
    amount: Decimal
    money_amount: Decimal = Field(..., description="Paid back in money")
    points_restored: int = Field(..., description="Points that had paid, given back")
    points_reversed: int = Field(..., description="Earned points taken back")
    points_owed: int = Field(..., description="Of those, owed as a debt (already spent)")
    coupons_restored: int
    order_status: str
    refunded_total: Decimal


@router.post(
    "/returns",
    auth=TokenAuth(scope="pos.returns"),
    response={201: ReturnOut, **ERRORS},
    summary="Return goods of an order (any channel) at this store; refunds money and points",
)
def create_return(
    request: HttpRequest,
    response: HttpResponse,
    body: ReturnIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    store: Store = request.api_token.store  # type: ignore[attr-defined]  # loaded with the token
    actor_of(request)

    def handler() -> tuple[int, dict[str, Any]]:
        result = order_return(
            order_number=body.order_number,
            ret=ReturnInput(
                reference=f"{store.code}:{body.reference}",
                lines=tuple(ReturnLineInput(li.sku, li.quantity) for li in body.lines),
                amount=body.amount,
                reason=body.reason,
            ),
            store=store,
        )
        r, order = result.order_return, result.order
        out = ReturnOut(
            order_number=order.number,
            reference=body.reference,
            amount=r.amount,
            money_amount=r.money_amount,
            points_restored=r.points_restored,
            points_reversed=r.points_reversed,
            points_owed=r.points_owed,
            coupons_restored=r.coupons_restored,
            order_status=order.status,
            refunded_total=order.refunded_total,
        )
        return 201, json.loads(out.model_dump_json())

    return respond_idempotently(request, response, key=idempotency_key, handler=handler)
