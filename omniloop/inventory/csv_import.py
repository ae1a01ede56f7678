"""Stock counts from a CSV file (a till or ERP export), all rows or none.

Columns (header row required, any order): store_ref (store code), sku_ref (SKU code or
barcode), on_hand (the count in `replace` mode, the change in `delta` mode). Problems are
reported by row number as a spreadsheet counts them: the header is row 1."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import transaction

from omniloop.core.errors import ApplicationError, ValidationFailed
from omniloop.inventory.loads import stock_load_many
from omniloop.inventory.models import StockSource
from omniloop.inventory.values import MAX_LOAD_ROWS, LoadResult, StockRow

COLUMNS = ("store_ref", "sku_ref", "on_hand")


@dataclass(frozen=True)
class CsvProblem:
    row: int
    code: str
    field: str
    message: str


def _invalid(problems: list[CsvProblem], code: str = "csv_invalid") -> ValidationFailed:
    return ValidationFailed(
        "The file has problems; nothing was imported.",
        code=code,
        extra={"problems": [vars(p) for p in sorted(problems, key=lambda p: p.row)]},
    )


def _header(fields: Sequence[str] | None) -> list[CsvProblem]:
    names = [f.strip() for f in fields or []]
    problems = [
        CsvProblem(1, "csv_column_missing", name, "Required column.")
        for name in COLUMNS
        if name not in names
    ]
    problems += [
        CsvProblem(1, "csv_column_unknown", name, "Not a stock column.")
        for name in names
        if name not in COLUMNS
    ]
    return problems


def stock_import_csv(*, lines: Iterable[str], mode: str = "replace") -> LoadResult:
    """Parse every row, then load them as one `stock_load_many` (source csv): every row or
    none, with every problem by row number (`csv_invalid`; `stock_below_reserved` when the
    counts are fine but would go below what is reserved)."""
    reader = csv.DictReader(lines)
    problems = _header(reader.fieldnames)
    if problems:
        raise _invalid(problems)
    rows: list[StockRow] = []
    row_numbers: list[int] = []
    for row_no, raw in enumerate(reader, start=2):
        if row_no > MAX_LOAD_ROWS + 1:
            raise ValidationFailed(f"At most {MAX_LOAD_ROWS} rows.", code="stock_rows_too_many")
        if None in raw:
            problems.append(CsvProblem(row_no, "csv_row_invalid", "", "More cells than columns."))
            continue
        cell = {str(k).strip(): str(v or "").strip() for k, v in raw.items()}
        try:
            on_hand = int(cell["on_hand"])
        except ValueError:
            problems.append(CsvProblem(row_no, "on_hand_invalid", "on_hand", "Not a whole number."))
            continue
        rows.append(StockRow(sku=cell["sku_ref"], on_hand=on_hand, store=cell["store_ref"] or None))
        row_numbers.append(row_no)
    if not rows and not problems:
        raise ValidationFailed("The file has no rows.", code="stock_rows_empty")
    try:
        with transaction.atomic():
            result = stock_load_many(rows=rows, source=StockSource.CSV, mode=mode) if rows else None
            if problems:  # rows that did not parse: undo what the others loaded
                raise _invalid(problems)
    except ApplicationError as exc:
        if exc.code not in ("stock_rows_invalid", "stock_below_reserved"):
            raise
        found = [
            CsvProblem(
                row_numbers[p["index"]],
                p["code"],
                {"store": "store_ref", "sku": "sku_ref"}.get(p["field"], p["field"]),
                _say(p),
            )
            for p in exc.extra["problems"]
        ]
        if exc.code == "stock_below_reserved" and not problems:
            raise _invalid(found, code="stock_below_reserved") from exc
        raise _invalid(problems + found) from exc
    if result is None:  # pragma: no cover - no rows means problems, raised above
        raise _invalid(problems)
    return result


def _say(problem: dict[str, object]) -> str:
    if problem["code"] == "stock_below_reserved":
        return (
            f"{problem['sku']} at {problem['store']}: {problem['on_hand']} on hand would be "
            f"below the {problem['reserved']} reserved."
        )
    return str(problem["message"])
