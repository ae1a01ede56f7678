"""Values a marketplace import takes and gives back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class PlatformStatus(StrEnum):
    """What the platform says about an order (its own words mapped to ours)."""

    PENDING = "pending"  # placed, not paid yet (an import may start here)
    PAID = "paid"
    CANCELLED = "cancelled"  # cancelled before it shipped: everything back
    REFUNDED = "refunded"  # refunded after payment, in full or (with an amount) in part


@dataclass(frozen=True)
class MarketplaceLine:
    sku: str  # SKU code or barcode
    quantity: int
    unit_price: Decimal | None = None  # the platform's unit price before discounts
    amount: Decimal | None = None  # what the buyer paid for the line on the platform


@dataclass(frozen=True)
class MarketplaceOrderInput:
    channel: str  # our SalesChannel code of the marketplace shop (kind marketplace)
    external_id: str  # the platform's order id
    ordered_at: datetime
    lines: tuple[MarketplaceLine, ...]
    status: PlatformStatus = PlatformStatus.PAID
    total: Decimal | None = None  # what the platform charged, shipping included
    shipping: Decimal = Decimal("0.00")
    paid_at: datetime | None = None
    phone: str = ""  # the buyer's phone when the platform shares it
    unionid: str = ""  # WeChat unionid (mini-program shops)
    buyer_id: str = ""  # the platform's buyer id
    store: str = ""  # the fulfilling store's code when a store ships it
    payment_ref: str = ""  # the platform's payment reference
    coupon_codes: tuple[str, ...] = ()  # our coupon codes the buyer gave (ADR 43)


@dataclass(frozen=True)
class DriftItem:
    """One place where the platform's figure is not what our engine says."""

    field: str  # unit_price | amount | total
    marketplace: Decimal
    ours: Decimal
    line: int | None = None
    sku: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "field": self.field,
            "line": self.line,
            "sku": self.sku,
            "marketplace": str(self.marketplace),
            "ours": str(self.ours),
        }


@dataclass(frozen=True)
class ImportedOrder:
    order_number: str
    external_id: str
    status: str
    total: Decimal
    engine_total: Decimal
    drift: tuple[dict[str, object], ...]
    member_matched: bool
    replayed: bool = False
    coupons_honoured: tuple[str, ...] = ()  # codes held (pending) or redeemed (paid) for it
    coupon_drift: tuple[dict[str, str], ...] = ()  # codes not honoured: code, reason, stage
