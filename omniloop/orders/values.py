from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class SaleLineInput:
    """A till line: what was sold and how many. The server prices it; the till's own figures
    are optional and, when sent, must equal the server's (`price_mismatch` otherwise)."""

    sku: str
    quantity: int
    unit_price: Decimal | None = None
    amount: Decimal | None = None
    discount: Decimal | None = None


@dataclass(frozen=True)
class TillSaleInput:
    receipt_no: str
    lines: tuple[SaleLineInput, ...]
    total: Decimal  # what the till charged: must equal the server's total
    ordered_at: datetime | None = None
    member_code: str | None = None
    phone: str | None = None
    card_number: str | None = None
    assistant: str | None = None
    coupon_codes: tuple[str, ...] = ()
    points: int = 0  # points the member pays with (part of `total`)
