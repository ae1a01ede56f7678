"""What is wrong with a file: problems by row and column, capped, with totals."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omniloop.core.errors import ValidationFailed

MAX_LISTED = 50  # problems printed; the total is always given
MAX_REFS = 20  # unknown references listed per column

MESSAGES = {
    "required": "is required",
    "required_for_new": "is required for a new record",
    "too_long": "is too long",
    "invalid": "is not valid here",
    "integer_invalid": "must be a whole number above zero",
    "amount_invalid": "must be an amount >= 0 with at most 2 decimals",
    "coordinate_invalid": "must be a latitude (-90..90) or longitude (-180..180)",
    "datetime_invalid": "must be an ISO 8601 date and time (2024-03-01T14:30:00[+08:00])",
    "date_invalid": "must be a date YYYY-MM-DD",
    "timezone_invalid": "must be an IANA time zone (Asia/Shanghai)",
    "choice_invalid": "is not one of the allowed values",
    "slug_invalid": "may hold only letters, digits, - and _",
    "phone_invalid": "is not a valid mobile phone number",
    "phone_duplicate": "appears on another row of the file",
    "phone_taken": "belongs to another member",
    "duplicate_ref": "appears on another row of the file",
    "barcode_taken": "belongs to another SKU",
    "unknown_store": "is not a known store",
    "unknown_member": "is not a known member",
    "unknown_sku": "is not a known SKU",
    "unknown_channel": "is not a known sales channel",
    "order_inconsistent": "differs between lines of the same order",
    "order_not_imported": "is an order recorded by a till or channel, not an import",
    "field_count": "has a different number of fields than the header",
    "encoding": "is not UTF-8 text",
}
UNKNOWN = {"unknown_store", "unknown_member", "unknown_sku", "unknown_channel"}


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    code: str
    value: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "row": self.row,
            "column": self.column,
            "code": self.code,
            "message": MESSAGES.get(self.code, self.code),
            "value": self.value,
        }


@dataclass
class Problems:
    """Problems found so far. `add` keeps the first MAX_LISTED by row; `count` adds to the total
    without listing (a query that found more than it returned)."""

    listed: list[Problem] = field(default_factory=list)
    total: int = 0
    unknown: dict[str, list[str]] = field(default_factory=dict)
    unknown_total: dict[str, int] = field(default_factory=dict)

    def add(self, problem: Problem) -> None:
        self.listed.append(problem)

    def count(self, n: int) -> None:
        self.total += n

    def unknown_refs(self, column: str, refs: list[str], total: int) -> None:
        self.unknown[column] = refs[:MAX_REFS]
        self.unknown_total[column] = total

    def __bool__(self) -> bool:
        return self.total > 0

    def reject(self) -> ValidationFailed:
        listed = sorted(self.listed, key=lambda p: (p.row or 0, p.column, p.code))[:MAX_LISTED]
        return ValidationFailed(
            f"The file has {self.total} problem(s); nothing was imported.",
            code="import_rejected",
            extra={
                "problems": [p.as_dict() for p in listed],
                "total": self.total,
                "unknown": self.unknown,
                "unknown_total": self.unknown_total,
            },
        )
