"""Values and refusals of the flash-sale services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from omniloop.core.errors import Conflict, NotFound

MAX_QUANTITY = 999


@dataclass(frozen=True)
class FlashClaimResult:
    claim_id: int
    flash_sale_id: int
    member_id: int
    quantity: int
    price: Decimal  # per unit
    amount: Decimal  # price x quantity
    held_until: datetime
    member_total: int  # units this member now holds or bought in this sale


class FlashSoldOut(Conflict):
    code = "flash_sold_out"

    def __init__(self, stock_left: int) -> None:
        super().__init__("This flash sale is sold out.", extra={"stock_left": stock_left})
        self.stock_left = stock_left


def flash_not_found() -> NotFound:
    return NotFound("No such flash sale.", code="flash_not_found")
