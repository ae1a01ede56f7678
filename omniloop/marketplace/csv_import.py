"""Marketplace orders from a platform's CSV export (`omniloop import marketplace_orders PATH`).

The bulk import framework (ADR 22) is set-based SQL over history; marketplace orders are live
orders that each go through the promotion engine, the binding rules and the points ledger, so
each order is imported by `marketplace_order_import`, the API's service, in one transaction
for the whole file: any refused order rolls everything back and every problem is reported by
row, in the framework's report shape. Re-importing a file replays (and applies new statuses).

One row per line; the order's own columns are read from its first row and must agree on the
others. Columns: channel, external_id, ordered_at, sku, quantity (required); status, paid_at,
unit_price, amount, total, shipping, phone, unionid, buyer_id, store, payment_ref,
coupon_codes (our codes, separated by spaces, commas or semicolons; ADR 43). Times without a
zone are in the brand's time zone."""

from __future__ import annotations

import csv
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError, ValidationFailed
from omniloop.marketplace.services import marketplace_order_import
from omniloop.marketplace.values import MarketplaceLine, MarketplaceOrderInput, PlatformStatus

REQUIRED = ("channel", "external_id", "ordered_at", "sku", "quantity")
ORDER_COLUMNS = (
    "status",
    "paid_at",
    "total",
    "shipping",
    "phone",
    "unionid",
    "buyer_id",
    "store",
    "payment_ref",
    "ordered_at",
    "coupon_codes",
)
MAX_PROBLEMS = 50
_CODE_SEPARATORS = re.compile(r"[\s,;]+")


@dataclass
class CsvResult:
    rows: int = 0
    orders: int = 0
    created: int = 0
    replayed: int = 0
    with_drift: int = 0
    coupons_not_honoured: int = 0  # codes recorded as drift by the orders created (ADR 43)
    problems: list[dict[str, object]] = field(default_factory=list)


class _Bad(Exception):
    def __init__(self, column: str, code: str, message: str, value: str = "") -> None:
        super().__init__(message)
        self.column, self.code, self.message, self.value = column, code, message, value


def _money(row: dict[str, str], column: str) -> Decimal | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise _Bad(column, "amount_invalid", "Not an amount.", text) from exc
    if value < 0 or value != value.quantize(Decimal("0.01")):
        raise _Bad(column, "amount_invalid", "A non-negative amount, 2 decimals at most.", text)
    return value


def _when(row: dict[str, str], column: str, zone: zoneinfo.ZoneInfo) -> datetime | None:
    text = (row.get(column) or "").strip()
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _Bad(column, "datetime_invalid", "Not a date and time.", text) from exc
    return timezone.make_aware(at, zone) if timezone.is_naive(at) else at


def _groups(path: Path) -> Iterator[tuple[list[int], list[dict[str, str]]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise ValidationFailed(
                f"Missing columns: {', '.join(missing)}.",
                code="import_columns_missing",
                extra={"missing": missing},
            )
        groups: dict[tuple[str, str], tuple[list[int], list[dict[str, str]]]] = {}
        for i, row in enumerate(reader, start=2):  # row 1 is the header
            key = ((row.get("channel") or "").strip(), (row.get("external_id") or "").strip())
            groups.setdefault(key, ([], []))
            groups[key][0].append(i)
            groups[key][1].append(row)
    yield from groups.values()


def _order(rows: list[dict[str, str]], zone: zoneinfo.ZoneInfo) -> MarketplaceOrderInput:
    first = rows[0]
    for row in rows[1:]:
        for column in ORDER_COLUMNS:
            if (row.get(column) or "").strip() != (first.get(column) or "").strip():
                raise _Bad(column, "order_rows_disagree", "Differs from the order's first row.")
    lines = []
    for row in rows:
        qty = (row.get("quantity") or "").strip()
        if not qty.isdigit() or int(qty) < 1:
            raise _Bad("quantity", "quantity_invalid", "A whole number, 1 or more.", qty)
        lines.append(
            MarketplaceLine(
                sku=(row.get("sku") or "").strip(),
                quantity=int(qty),
                unit_price=_money(row, "unit_price"),
                amount=_money(row, "amount"),
            )
        )
    status = (first.get("status") or "paid").strip() or "paid"
    if status not in {s.value for s in PlatformStatus}:
        raise _Bad("status", "status_invalid", "pending, paid, cancelled or refunded.", status)
    ordered_at = _when(first, "ordered_at", zone)
    if ordered_at is None:
        raise _Bad("ordered_at", "required", "Required.")
    return MarketplaceOrderInput(
        channel=(first.get("channel") or "").strip(),
        external_id=(first.get("external_id") or "").strip(),
        ordered_at=ordered_at,
        lines=tuple(lines),
        status=PlatformStatus(status),
        paid_at=_when(first, "paid_at", zone),
        total=_money(first, "total"),
        shipping=_money(first, "shipping") or Decimal("0.00"),
        phone=(first.get("phone") or "").strip(),
        unionid=(first.get("unionid") or "").strip(),
        buyer_id=(first.get("buyer_id") or "").strip(),
        store=(first.get("store") or "").strip(),
        payment_ref=(first.get("payment_ref") or "").strip(),
        coupon_codes=tuple(c for c in _CODE_SEPARATORS.split(first.get("coupon_codes") or "") if c),
    )


def _problem(row: int, column: str, code: str, message: str, value: str = "") -> dict[str, object]:
    return {"row": row, "column": column, "code": code, "message": message, "value": value}


@transaction.atomic
def marketplace_orders_import_csv(*, path: Path | str) -> CsvResult:
    """Import every order of the file, or none (`import_rejected`, 422, problems by row)."""
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"No file {path}.", code="import_file_missing")
    zone = zoneinfo.ZoneInfo(brand_settings().timezone or settings.TIME_ZONE)
    result = CsvResult()
    for numbers, rows in _groups(path):
        result.rows += len(rows)
        try:
            data = _order(rows, zone)
            with transaction.atomic():
                imported = marketplace_order_import(data=data)
        except _Bad as bad:
            result.problems.append(
                _problem(numbers[0], bad.column, bad.code, bad.message, bad.value)
            )
            continue
        except ApplicationError as exc:
            line = exc.extra.get("line")
            row = numbers[line] if isinstance(line, int) and line < len(numbers) else numbers[0]
            result.problems.append(
                _problem(row, str(exc.extra.get("field", "")), exc.code, exc.message)
            )
            continue
        result.orders += 1
        result.replayed += imported.replayed
        result.created += not imported.replayed
        result.with_drift += bool(imported.drift)
        result.coupons_not_honoured += 0 if imported.replayed else len(imported.coupon_drift)
    if result.problems:
        raise ValidationFailed(
            f"{len(result.problems)} order(s) refused; nothing was imported.",
            code="import_rejected",
            extra={"problems": result.problems[:MAX_PROBLEMS], "total": len(result.problems)},
        )
    return result
