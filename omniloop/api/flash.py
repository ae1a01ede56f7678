"""Flash-sale endpoints (/api/v1/flash-sales/) for store tills and HQ integrations: claim units for
a member, read a sale's stock. The member H5 pages call the same services directly."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import Field

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import ErrorOut, Strict, WholeInt
from omniloop.members.selectors import member_identify
from omniloop.promotions.flash import flash_sale_claim, flash_sale_gate_check, flash_sale_get

router = Router(tags=["flash sales"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    413: ErrorOut,
    422: ErrorOut,
}


class ClaimIn(Strict):
    member_code: str = Field(..., min_length=1, max_length=16)
    quantity: WholeInt = Field(1, description="Units to hold; 1 up to the per-member limit")


class ClaimOut(Schema):
    id: int
    flash_sale_id: int
    member_code: str
    quantity: int
    price: Decimal = Field(..., description="Per unit")
    amount: Decimal
    held_until: datetime = Field(..., description="Pay by then, or the units go back")


class FlashSaleOut(Schema):
    id: int
    name: str
    sku_code: str
    price: Decimal
    stock_total: int
    stock_left: int
    per_member_limit: int
    starts_at: datetime
    ends_at: datetime
    status: str


@router.post(
    "/{flash_sale_id}/claims",
    auth=TokenAuth(scope="flash_sales"),
    response={201: ClaimOut, **ERRORS},
    summary="Hold flash-sale units for a member (exact under any concurrency)",
)
def claim(request: HttpRequest, flash_sale_id: int, body: ClaimIn) -> Status:
    # Once sold out, the Redis gate turns the flood away before the member look-up.
    flash_sale_gate_check(flash_sale_id=flash_sale_id, quantity=body.quantity)
    member = member_identify(member_code=body.member_code)
    result = flash_sale_claim(
        flash_sale_id=flash_sale_id, member_id=member.pk, quantity=body.quantity
    )
    return Status(
        201,
        ClaimOut(
            id=result.claim_id,
            flash_sale_id=result.flash_sale_id,
            member_code=member.code,
            quantity=result.quantity,
            price=result.price,
            amount=result.amount,
            held_until=result.held_until,
        ),
    )


@router.get(
    "/{flash_sale_id}",
    auth=TokenAuth(scope="flash_sales"),
    response={200: FlashSaleOut, **ERRORS},
    summary="Stock and status",
)
def detail(request: HttpRequest, flash_sale_id: int) -> FlashSaleOut:
    sale = flash_sale_get(flash_sale_id=flash_sale_id)
    return FlashSaleOut(
        id=sale.pk,
        name=sale.name,
        sku_code=sale.sku.sku_code,
        price=sale.price,
        stock_total=sale.stock_total,
        stock_left=sale.stock_left,
        per_member_limit=sale.per_member_limit,
        starts_at=sale.starts_at,
        ends_at=sale.ends_at,
        status=sale.status,
    )
