"""Inventory's writes (the public surface other apps call): loads from tills and the ERP, and
reservations that never take available stock below zero. See `loads` and `reservations` for
the invariants and the lock order."""

from omniloop.inventory.loads import stock_load, stock_load_many
from omniloop.inventory.reservations import (
    stock_consume,
    stock_release,
    stock_release_expired,
    stock_reservation_extend,
    stock_reserve,
)
from omniloop.inventory.values import (
    LoadResult,
    ReservationResult,
    ReserveLine,
    StockInsufficient,
    StockRow,
)

__all__ = [
    "LoadResult",
    "ReservationResult",
    "ReserveLine",
    "StockInsufficient",
    "StockRow",
    "stock_consume",
    "stock_load",
    "stock_load_many",
    "stock_release",
    "stock_release_expired",
    "stock_reservation_extend",
    "stock_reserve",
]
