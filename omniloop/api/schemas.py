from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    error: ErrorDetail


class IdentifyIn(Strict):
    phone: str | None = Field(None, max_length=32)
    member_code: str | None = Field(None, max_length=16)
    card_number: str | None = Field(None, max_length=64)


class BindingOut(Schema):
    store_code: str | None
    assistant_code: str | None
    assistant_name: str | None


class MemberOut(Schema):
    member_code: str
    name: str
    phone_masked: str
    joined_at: datetime
    points_balance: int
    binding: BindingOut


class SaleLineIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48, description="SKU code or barcode")
    quantity: int = Field(..., ge=1, le=9999)
    unit_price: Decimal | None = Field(
        None,
        ge=0,
        max_digits=10,
        decimal_places=2,
        description="Optional: when sent it must be the server's price (price_mismatch)",
    )
    discount: Decimal | None = Field(
        None,
        ge=0,
        max_digits=10,
        decimal_places=2,
        description="Optional: when sent it must be the server's discount (price_mismatch)",
    )
    amount: Decimal | None = Field(
        None,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="Optional net paid for the line; when sent it must be the server's",
    )


CouponCodes = list[Annotated[str, Field(min_length=1, max_length=32)]]


class SaleIn(Strict):
    receipt_no: str = Field(..., min_length=1, max_length=64)
    ordered_at: datetime | None = Field(
        None, description="ISO 8601; without an offset it is the store's local time"
    )
    member_code: str | None = Field(None, max_length=16)
    phone: str | None = Field(None, max_length=32)
    card_number: str | None = Field(None, max_length=64)
    assistant: str | None = Field(None, max_length=32, description="The assistant's staff code")
    lines: list[SaleLineIn] = Field(..., min_length=1, max_length=200)
    coupon_codes: CouponCodes = Field(
        default_factory=list, max_length=20, description="Redeemed with the sale, all or none"
    )
    total: Decimal = Field(
        ...,
        ge=0,
        max_digits=12,
        decimal_places=2,
        description="The sale's total (before points); must equal the server's (total_mismatch)",
    )
    points: int = Field(
        0,
        ge=0,
        le=10_000_000,
        description="Points the member pays with: part of `total`, at most the policy's share",
    )


class Row(BaseModel):
    """A plain pydantic row for long output lists (quote lines, discounts, rejections): ninja's
    `Schema` wraps every nested object in a Django-aware getter, which a quote with a hundred
    in-scope offers would pay on every row."""


class PricedLineOut(Row):
    sku: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    total: Decimal


class DiscountOut(Row):
    offer_id: int
    name: str
    amount: Decimal
    shipping: Decimal
    coupon_code: str | None


class SaleOut(Schema):
    number: str
    receipt_no: str
    store_code: str
    member_code: str | None
    credited_store_code: str | None
    credited_assistant_code: str | None
    credit_rule: str
    binding_decision: str | None
    total: Decimal
    discount_total: Decimal
    points_redeemed: int
    points_value: Decimal
    to_pay: Decimal = Field(..., description="What is paid in money: total less the points")
    points_earned: int
    lines: list[PricedLineOut]
    discounts: list[DiscountOut]
    ordered_at: datetime


class QuoteLineIn(Strict):
    sku: str = Field(..., min_length=1, max_length=48, description="SKU code or barcode")
    quantity: int = Field(..., ge=1, le=9999)


class QuoteIn(Strict):
    member_code: str | None = Field(None, max_length=16)
    phone: str | None = Field(None, max_length=32)
    card_number: str | None = Field(None, max_length=64)
    lines: list[QuoteLineIn] = Field(..., min_length=1, max_length=200)
    coupon_codes: CouponCodes = Field(default_factory=list, max_length=20)


class RejectedOut(Row):
    offer_id: int
    name: str
    coupon_code: str | None
    reason: str


class CouponProblemOut(Row):
    code: str
    reason: str


class GiftOut(Row):
    offer_id: int
    sku: str
    quantity: int


class QuoteOut(Schema):
    member_code: str | None
    lines: list[PricedLineOut]
    subtotal: Decimal
    discount: Decimal
    discounts: list[DiscountOut]
    rejected: list[RejectedOut]
    coupon_problems: list[CouponProblemOut]
    gifts: list[GiftOut]
    shipping: Decimal
    shipping_discount: Decimal
    total: Decimal


class StoreOut(Schema):
    code: str
    name: str
    city: str
    type: str
    timezone: str
    status: str
