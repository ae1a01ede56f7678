from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from ninja import Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic import Strict as StrictMode


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _money_schema(whole_digits: int, *, positive: bool) -> WithJsonSchema:
    """Money in the schema as what we accept: a decimal string with at most two places (a JSON
    number is taken too, but the schema does not promise it: floats cannot say 0.07 exactly)."""
    whole = f"[1-9][0-9]{{0,{whole_digits - 1}}}"
    if positive:
        pattern = f"^({whole}(\\.[0-9]{{1,2}})?|0\\.(0[1-9]|[1-9][0-9]?))$"
    else:
        pattern = f"^(0|{whole})(\\.[0-9]{{1,2}})?$"
    return WithJsonSchema(
        {"type": "string", "pattern": pattern, "examples": ["199.00"]}, mode="validation"
    )


# Money in requests: Decimal with two places, never negative; 10 or 12 digits in all.
Money = Annotated[
    Decimal, Field(ge=0, max_digits=10, decimal_places=2), _money_schema(8, positive=False)
]
MoneyTotal = Annotated[
    Decimal, Field(ge=0, max_digits=12, decimal_places=2), _money_schema(10, positive=False)
]
PositiveMoneyTotal = Annotated[
    Decimal, Field(gt=0, max_digits=12, decimal_places=2), _money_schema(10, positive=True)
]


def _whole_number(value: object) -> object:
    # JSON Schema counts 27.0 as an integer; strict ints still refuse "27", 27.5 and true.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# An integer as JSON Schema means it: 27 or 27.0, not "27", 27.5 or true.
WholeInt = Annotated[int, BeforeValidator(_whole_number), StrictMode()]
# Bounds go inside, before the validator: put on `WholeInt | None` from outside, pydantic writes
# them into the schema as keywords JSON Schema does not have ("ge"), which no client checks.
PositiveWholeInt = Annotated[int, Field(ge=1), BeforeValidator(_whole_number), StrictMode()]
ValidDays = Annotated[int, Field(ge=1, le=3650), BeforeValidator(_whole_number), StrictMode()]


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
    unit_price: Money | None = Field(
        None, description="Optional: when sent it must be the server's price (price_mismatch)"
    )
    discount: Money | None = Field(
        None, description="Optional: when sent it must be the server's discount (price_mismatch)"
    )
    amount: MoneyTotal | None = Field(
        None, description="Optional net paid for the line; when sent it must be the server's"
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
    total: MoneyTotal = Field(
        ...,
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
