"""Marketplace orders for HQ integrations (the Tmall/JD/Douyin order sync): import an order,
then tell us when the platform says it was paid, cancelled or refunded. Idempotent by the
marketplace shop and its order id, so a sync that retries or re-sends is harmless."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja import Status as NinjaStatus
from pydantic import Field

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import (
    CouponCodes,
    ErrorOut,
    Money,
    MoneyTotal,
    PositiveMoneyTotal,
    Strict,
)
from omniloop.marketplace.selectors import marketplace_drift
from omniloop.marketplace.services import marketplace_order_import, marketplace_order_status
from omniloop.marketplace.values import (
    ImportedOrder,
    MarketplaceLine,
    MarketplaceOrderInput,
    PlatformStatus,
)

router = Router(tags=["marketplace"])
ERRORS: dict[int, Any] = {c: ErrorOut for c in (400, 401, 403, 404, 409, 422)}


class MarketplaceLineIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48, description="SKU code or barcode")
    quantity: int = Field(..., ge=1, le=9999)
    unit_price: Money | None = None
    amount: MoneyTotal | None = Field(None, description="What the buyer paid for it")


class OrderIn(Strict):
    channel: str = Field(..., min_length=1, max_length=32, description="Our marketplace shop code")
    external_id: str = Field(..., min_length=1, max_length=64, description="The platform's id")
    ordered_at: datetime
    status: Literal["pending", "paid", "cancelled", "refunded"] = "paid"
    paid_at: datetime | None = None
    lines: list[MarketplaceLineIn] = Field(..., min_length=1, max_length=200)
    total: MoneyTotal | None = None
    shipping: Money = Decimal("0.00")
    phone: str = Field("", max_length=32)
    unionid: str = Field("", max_length=64)
    buyer_id: str = Field("", max_length=64)
    store: str = Field("", max_length=32, description="The store that ships it, if one does")
    payment_ref: str = Field("", max_length=64)
    coupon_codes: CouponCodes = Field(
        default_factory=list,
        max_length=20,
        description="Our coupon codes the buyer gave; one we cannot honour is drift, not a refusal",
    )


class StatusIn(Strict):
    status: Literal["paid", "cancelled", "refunded"]
    amount: PositiveMoneyTotal | None = Field(None, description="A partial refund")
    refund_ref: str = Field("", max_length=40, description="The platform's refund id")
    paid_at: datetime | None = None


class MarketplaceDriftOut(Schema):
    field: str
    line: int | None
    sku: str
    marketplace: Decimal
    ours: Decimal


class CouponDriftOut(Schema):
    code: str
    reason: str = Field(..., description="A coupon_* or offer_* reason code")
    stage: Literal["arrival", "payment"]


class OrderOut(Schema):
    order_number: str
    external_id: str
    status: str
    total: Decimal
    engine_total: Decimal = Field(..., description="What our promotion engine prices it at")
    drift: list[MarketplaceDriftOut] = Field(..., description="Where the platform's figures differ")
    member_matched: bool
    replayed: bool
    coupons_honoured: list[str] = Field(..., description="Codes held (pending) or redeemed (paid)")
    coupon_drift: list[CouponDriftOut] = Field(..., description="Codes we did not honour, and why")


def _out(result: ImportedOrder) -> dict[str, Any]:
    return {
        "order_number": result.order_number,
        "external_id": result.external_id,
        "status": result.status,
        "total": result.total,
        "engine_total": result.engine_total,
        "drift": list(result.drift),
        "member_matched": result.member_matched,
        "replayed": result.replayed,
        "coupons_honoured": list(result.coupons_honoured),
        "coupon_drift": list(result.coupon_drift),
    }


@router.post(
    "/marketplace/orders",
    auth=TokenAuth(scope="marketplace.orders"),
    response={200: OrderOut, 201: OrderOut, **ERRORS},
    summary="Import a marketplace order (idempotent by shop and platform order id)",
)
def import_order(request: HttpRequest, body: OrderIn) -> NinjaStatus:
    result = marketplace_order_import(
        data=MarketplaceOrderInput(
            channel=body.channel,
            external_id=body.external_id,
            ordered_at=body.ordered_at,
            status=PlatformStatus(body.status),
            paid_at=body.paid_at,
            lines=tuple(
                MarketplaceLine(li.sku, li.quantity, li.unit_price, li.amount) for li in body.lines
            ),
            total=body.total,
            shipping=body.shipping,
            phone=body.phone,
            unionid=body.unionid,
            buyer_id=body.buyer_id,
            store=body.store,
            payment_ref=body.payment_ref,
            coupon_codes=tuple(body.coupon_codes),
        )
    )
    return NinjaStatus(200 if result.replayed else 201, _out(result))


@router.post(
    "/marketplace/orders/{channel}/{external_id}/status",
    auth=TokenAuth(scope="marketplace.orders"),
    response={200: OrderOut, **ERRORS},
    summary="The platform says the order was paid, cancelled or refunded",
)
def order_status(request: HttpRequest, channel: str, external_id: str, body: StatusIn) -> Any:
    result = marketplace_order_status(
        channel_code=channel,
        external_id=external_id,
        status=PlatformStatus(body.status),
        amount=body.amount,
        refund_ref=body.refund_ref,
        paid_at=body.paid_at,
    )
    return _out(result)


class MarketplaceDriftQuery(Schema):
    channel: str | None = Field(None, max_length=32)
    since: datetime | None = None
    limit: int = Field(100, ge=1, le=500)


class MarketplaceDriftOrderOut(Schema):
    channel: str
    external_id: str
    order_number: str
    imported_at: datetime
    marketplace_total: Decimal | None
    engine_total: Decimal
    drift: list[MarketplaceDriftOut]


@router.get(
    "/marketplace/drift",
    auth=TokenAuth(scope="marketplace.read"),
    response={200: list[MarketplaceDriftOrderOut], **ERRORS},
    summary="Imported orders whose platform prices differ from our engine's, newest first",
)
def drift(request: HttpRequest, query: Query[MarketplaceDriftQuery]) -> Any:
    rows = marketplace_drift(channel=query.channel, since=query.since, limit=query.limit)
    return [row.__dict__ for row in rows]
