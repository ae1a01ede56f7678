from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db.models import Sum

from omniloop.inventory.models import StockLevel, StockMovement, StockReservation
from omniloop.inventory.services import StockRow, stock_load
from omniloop.stores.models import Store

T0 = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
LATER = T0 + timedelta(hours=2)


def load(store: Store, counts: dict[str, int], mode: str = "replace", at: datetime = T0):
    return stock_load(
        store=store,
        rows=[StockRow(sku=sku, on_hand=q) for sku, q in counts.items()],
        source="till",
        mode=mode,
        at=at,
    )


def level(store: Store, sku_code: str) -> tuple[int, int]:
    row = StockLevel.objects.filter(store=store, sku__sku_code=sku_code).first()
    return (row.on_hand, row.reserved) if row else (0, 0)


def snapshot() -> tuple[list[tuple], list[tuple], int]:
    """Everything inventory holds, to compare before and after a refusal."""
    levels = list(
        StockLevel.objects.order_by("pk").values_list(
            "store_id", "sku_id", "on_hand", "reserved", "source", "loaded_at", "updated_at"
        )
    )
    holds = list(
        StockReservation.objects.order_by("pk").values_list(
            "pk", "status", "quantity", "expires_at"
        )
    )
    return levels, holds, StockMovement.objects.count()


def assert_sound() -> None:
    """on_hand >= reserved >= 0, and reserved is the sum of the held reservations, everywhere."""
    held = {
        (r["store_id"], r["sku_id"]): r["q"]
        for r in StockReservation.objects.filter(status="held")
        .values("store_id", "sku_id")
        .annotate(q=Sum("quantity"))
    }
    for s, k, on_hand, reserved in StockLevel.objects.values_list(
        "store_id", "sku_id", "on_hand", "reserved"
    ):
        assert on_hand >= reserved >= 0, (s, k, on_hand, reserved)
        assert reserved == held.pop((s, k), 0), (s, k, reserved)
    assert not held, f"held reservations without a stock row: {held}"
