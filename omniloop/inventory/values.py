"""The values that travel in and out of inventory: load rows, reservation lines, results, and
the errors with their stable codes."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import Any, Literal

from omniloop.core.errors import Conflict, ValidationFailed

LoadMode = Literal["replace", "delta"]
LOAD_MODES: tuple[str, ...] = ("replace", "delta")
MAX_QUANTITY = 9999  # units on one reservation line
MAX_ON_HAND = 1_000_000  # units of one SKU in one store, and the largest delta
MAX_LOAD_ROWS = 50_000
MAX_RESERVE_LINES = 200


@dataclass(frozen=True)
class StockRow:
    """One row of a load: a SKU (code or barcode) at a store (code; None = the load's store)
    and its count on hand (replace) or the change to it (delta, may be negative)."""

    sku: str
    on_hand: int
    store: str | None = None


@dataclass(frozen=True)
class ReserveLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class LoadResult:
    rows: int
    created: int = 0
    changed: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class ReservationLine:
    reservation_id: int
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class ReservationResult:
    """What a reference holds after a reserve, release, consume or extension. `replayed`: the
    call changed nothing because an earlier one with the same reference already did it."""

    kind: str
    reference: str
    store_id: int
    status: str
    expires_at: datetime | None
    lines: tuple[ReservationLine, ...]
    replayed: bool = False

    @property
    def quantity(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class RowProblem:
    index: int
    code: str
    field: str
    message: str
    sku: str = ""
    store: str = ""
    extra: dict[str, Any] = dc_field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in vars(self).items() if k != "extra"}
        return {**out, **self.extra}


def rows_invalid(problems: list[RowProblem]) -> ValidationFailed:
    return ValidationFailed(
        "Some rows are not valid; nothing was loaded.",
        code="stock_rows_invalid",
        extra={"problems": [p.as_dict() for p in sorted(problems, key=lambda p: p.index)]},
    )


def below_reserved(problems: list[RowProblem]) -> Conflict:
    """A load would leave fewer units on hand than are promised: name the first SKU (and list
    every one) so the till or the ERP can see which count is wrong."""
    first = min(problems, key=lambda p: p.index)
    return Conflict(
        f"SKU {first.sku} at {first.store}: {first.extra['on_hand']} on hand would be below the "
        f"{first.extra['reserved']} reserved; nothing was loaded.",
        code="stock_below_reserved",
        extra={
            "sku": first.sku,
            "store": first.store,
            "on_hand": first.extra["on_hand"],
            "reserved": first.extra["reserved"],
            "problems": [p.as_dict() for p in sorted(problems, key=lambda p: p.index)],
        },
    )


@dataclass(frozen=True)
class Shortage:
    sku_id: int
    sku: str
    requested: int
    available: int


class StockInsufficient(Conflict):
    """409 stock_insufficient: the store cannot hold every line; names the first short SKU and
    its available quantity, and lists every short line."""

    code = "stock_insufficient"

    def __init__(self, shortages: list[Shortage]) -> None:
        first = shortages[0]
        super().__init__(
            f"Only {first.available} of SKU {first.sku} available; nothing was reserved.",
            extra={
                "sku": first.sku,
                "available": first.available,
                "shortages": [vars(s) for s in shortages],
            },
        )
        self.shortages = shortages
