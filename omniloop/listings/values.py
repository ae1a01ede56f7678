"""The values that travel in and out of the listings app."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


@dataclass(frozen=True)
class ListingInput:
    """One observed listing, as an integration or a CSV row states it. The description may be
    sent as text or as its hash (`text.description_hash`); neither means "not observed"."""

    external_id: str
    style_code: str
    title: str
    price: Decimal
    observed_at: datetime
    sku: str | None = None
    description: str | None = None
    description_hash: str | None = None
    url: str = ""


@dataclass(frozen=True)
class ListingProblem:
    """Why one input listing was refused; `index` is its position in the batch (0-based)."""

    index: int
    code: str
    field: str
    message: str


@dataclass(frozen=True)
class UpsertResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ignored_older: int = 0  # an observation older than the one already held


@dataclass(frozen=True)
class Shown:
    """What one of our own surfaces shows for a product in a channel (None: the surface does
    not show it, so it is not compared)."""

    title: str | None
    description: str | None
    price: Decimal


class DriftField(StrEnum):
    PRICE = "price"
    TITLE = "title"
    DESCRIPTION = "description"
    MISSING = "missing_listing"
    STALE = "stale_listing"


class Severity(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


SEVERITY: dict[DriftField, Severity] = {
    DriftField.PRICE: Severity.HIGH,
    DriftField.TITLE: Severity.MEDIUM,
    DriftField.MISSING: Severity.MEDIUM,
    DriftField.DESCRIPTION: Severity.LOW,
    DriftField.STALE: Severity.LOW,
}
SEVERITY_ORDER = {Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2}


@dataclass(frozen=True)
class DriftRow:
    """One disagreement between what a channel shows and the one truth. `expected`/`shown`
    are display strings (prices as "399.00"); `difference` is shown - expected for prices."""

    style_code: str
    product_name: str
    channel_code: str
    channel_name: str
    field: DriftField
    expected: str
    shown: str
    difference: Decimal | None
    severity: Severity
    source: str
    sku_code: str | None = None
    external_id: str | None = None
    url: str = ""
    observed_at: datetime | None = None
    list_price: Decimal | None = None  # the catalog price, beside the engine's on price rows


@dataclass(frozen=True)
class DriftReport:
    generated_at: datetime
    stale_days: int
    checked: int  # product x channel pairs compared
    rows: tuple[DriftRow, ...] = field(default_factory=tuple)

    def counts_by_field(self) -> dict[str, int]:
        out = {f.value: 0 for f in DriftField}
        for row in self.rows:
            out[row.field.value] += 1
        return out

    def counts_by_severity(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for row in self.rows:
            out[row.severity.value] += 1
        return out
