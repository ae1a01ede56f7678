"""A paid pickup order placed through the mall, with stock at its store."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from omniloop.inventory.services import StockRow, stock_load
from omniloop.orders.online import pickup_code_for
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from omniloop.orders.online_values import FulfilmentChoice
from tests.orders.online_helpers import checkout, place


def stock(store: Any, sku_code: str, on_hand: int) -> None:
    stock_load(store=store, rows=[StockRow(sku=sku_code, on_hand=on_hand)], source="erp")


def stock_all(store: Any, on_hand: int = 50) -> None:
    """Every SKU of the catalog in stock at `store` (a pickup store must have the basket)."""
    from omniloop.catalog.models import Sku

    rows = [
        StockRow(sku=code, on_hand=on_hand)
        for code in Sku.objects.values_list("sku_code", flat=True)
    ]
    stock_load(store=store, rows=rows, source="erp")


def paid_pickup(member: Any, store: Any, items: list[tuple[str, int]]) -> tuple[Any, str]:
    order = place(
        member, checkout(items, fulfilment=FulfilmentChoice.PICKUP, pickup_store=store.code)
    )
    with transaction.atomic():
        order = order_mark_paid(order=lock_order_with_payments(order.pk), at=order.ordered_at)
    return order, pickup_code_for(order_number=order.number)
