from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ninja import Schema
from pydantic import ConfigDict, Field


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
    unit_price: Decimal = Field(..., ge=0, max_digits=10, decimal_places=2)
    discount: Decimal = Field(Decimal("0"), ge=0, max_digits=10, decimal_places=2)
    amount: Decimal = Field(
        ..., ge=0, max_digits=12, decimal_places=2, description="Net paid for the line"
    )


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
    total: Decimal = Field(..., ge=0, max_digits=12, decimal_places=2)


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
    ordered_at: datetime


class StoreOut(Schema):
    code: str
    name: str
    city: str
    type: str
    timezone: str
    status: str
