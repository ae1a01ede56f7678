"""Observed listings from a CSV file (a marketplace's export, a crawl), all rows or none.

Columns (header row required, any order): external_id, style_code, title, price, observed_at
(ISO 8601 with an offset), and optionally sku, description, description_hash, url. Problems are
reported by row number as a spreadsheet counts them: the header is row 1."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from omniloop.core.errors import ValidationFailed
from omniloop.listings.models import ListingSource
from omniloop.listings.services import listings_write
from omniloop.listings.validation import listings_channel, listings_validate
from omniloop.listings.values import ListingInput, UpsertResult

REQUIRED = ("external_id", "style_code", "title", "price", "observed_at")
OPTIONAL = ("sku", "description", "description_hash", "url")
MAX_ROWS = 20_000


@dataclass(frozen=True)
class RowProblem:
    row: int
    code: str
    field: str
    message: str


def _invalid(problems: list[RowProblem]) -> ValidationFailed:
    return ValidationFailed(
        "The file has problems; nothing was imported.",
        code="csv_invalid",
        extra={"problems": [vars(p) for p in sorted(problems, key=lambda p: p.row)]},
    )


def _header(fields: Sequence[str] | None) -> list[RowProblem]:
    names = [f.strip() for f in fields or []]
    problems = [
        RowProblem(1, "csv_column_missing", name, "Required column.")
        for name in REQUIRED
        if name not in names
    ]
    problems += [
        RowProblem(1, "csv_column_unknown", name, "Not a listing column.")
        for name in names
        if name not in REQUIRED + OPTIONAL
    ]
    return problems


def _parse(row_no: int, raw: dict[str | None, object]) -> ListingInput | list[RowProblem]:
    if None in raw:
        return [RowProblem(row_no, "csv_row_invalid", "", "More cells than columns.")]
    cell = {str(k).strip(): str(v or "").strip() for k, v in raw.items()}
    problems = []
    try:
        price = Decimal(cell["price"])
    except InvalidOperation:
        problems.append(RowProblem(row_no, "price_invalid", "price", "Not an amount."))
    try:
        observed_at = datetime.fromisoformat(cell["observed_at"])
    except ValueError:
        problems.append(
            RowProblem(row_no, "observed_at_invalid", "observed_at", "Not an ISO 8601 time.")
        )
    if problems:
        return problems
    return ListingInput(
        external_id=cell["external_id"],
        style_code=cell["style_code"],
        title=cell["title"],
        price=price,
        observed_at=observed_at,
        sku=cell.get("sku") or None,
        description=cell.get("description") or None,
        description_hash=cell.get("description_hash") or None,
        url=cell.get("url", ""),
    )


def listings_import_csv(*, channel_code: str, lines: Iterable[str]) -> UpsertResult:
    """Import one channel's listings from CSV text: every row is parsed and validated, and
    either all are written (as `listings_upsert` would) or none, with every problem by row
    (`csv_invalid`)."""
    channel = listings_channel(channel_code=channel_code)
    reader = csv.DictReader(lines)
    problems = _header(reader.fieldnames)
    if problems:
        raise _invalid(problems)
    items: list[ListingInput] = []
    rows: list[int] = []
    for row_no, raw in enumerate(reader, start=2):
        if row_no > MAX_ROWS + 1:
            raise ValidationFailed(f"At most {MAX_ROWS} rows.", code="listings_too_many")
        parsed = _parse(row_no, raw)
        if isinstance(parsed, list):
            problems += parsed
        else:
            items.append(parsed)
            rows.append(row_no)
    if not items and not problems:
        raise ValidationFailed("The file has no rows.", code="listings_empty")
    resolved = []
    if items:
        try:
            resolved = listings_validate(items=items, source=ListingSource.CSV, max_items=MAX_ROWS)
        except ValidationFailed as exc:
            if exc.code != "listings_invalid":
                raise
            problems += [
                RowProblem(rows[p["index"]], p["code"], p["field"], p["message"])
                for p in exc.extra["problems"]
            ]
    if problems:
        raise _invalid(problems)
    return listings_write(channel=channel, resolved=resolved, source=ListingSource.CSV)
