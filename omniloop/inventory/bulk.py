"""Bulk stock for a fresh brand (the demo): counts written in a few INSERTs, each with its load
in the movement log. Only for (store, SKU) pairs that hold no stock yet: it takes no locks and
checks no reservations, so it is never a way around `stock_load`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction

from omniloop.core.errors import Conflict
from omniloop.inventory.models import MovementKind, StockLevel, StockMovement, StockSource


def stock_seed(*, counts: Iterable[tuple[int, int, int]], at: datetime) -> int:
    """Write (store id, SKU id, on hand) rows as a demo load; refuses (409 stock_not_empty) if
    any of those stores already holds stock. Returns how many rows were written."""
    rows = [(s, k, q) for s, k, q in counts if q >= 0]
    stores = {s for s, _, _ in rows}
    with transaction.atomic():
        if StockLevel.objects.filter(store_id__in=stores).exists():
            raise Conflict("These stores already hold stock.", code="stock_not_empty")
        StockLevel.objects.bulk_create(
            [
                StockLevel(
                    store_id=s,
                    sku_id=k,
                    on_hand=q,
                    source=StockSource.DEMO,
                    loaded_at=at,
                    updated_at=at,
                )
                for s, k, q in rows
            ],
            batch_size=2000,
        )
        StockMovement.objects.bulk_create(
            [
                StockMovement(
                    store_id=s,
                    sku_id=k,
                    kind=MovementKind.LOAD,
                    on_hand_change=q,
                    source=StockSource.DEMO,
                    at=at,
                )
                for s, k, q in rows
                if q
            ],
            batch_size=2000,
        )
    return len(rows)
