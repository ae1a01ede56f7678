from __future__ import annotations

from decimal import Decimal
from typing import Any

from omniloop.orders.services import till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.stores.models import Store


def sell(
    store: Store,
    lines: list[tuple[str, int]],
    *,
    total: str | Decimal,
    receipt: str = "R-1",
    member: Any = None,
    coupons: tuple[str, ...] = (),
    points: int = 0,
    assistant: str | None = None,
) -> Any:
    """A till sale through the service, as the till API records it."""
    order, _, _ = till_sale_record(
        store=store,
        sale=TillSaleInput(
            receipt_no=receipt,
            lines=tuple(SaleLineInput(sku=s, quantity=q) for s, q in lines),
            total=Decimal(total),
            member_code=member.code if member is not None else None,
            coupon_codes=coupons,
            points=points,
            assistant=assistant,
        ),
    )
    return order
