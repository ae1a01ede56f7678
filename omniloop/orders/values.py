from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class SaleLineInput:
    sku: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    discount: Decimal = Decimal("0")


@dataclass(frozen=True)
class TillSaleInput:
    receipt_no: str
    lines: tuple[SaleLineInput, ...]
    total: Decimal
    ordered_at: datetime | None = None
    member_code: str | None = None
    phone: str | None = None
    card_number: str | None = None
    assistant: str | None = None
