"""The wall's tables as values (what a page shows and what CSV and XLSX export, cell for cell),
their labels, and the exports."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from omniloop.accounts.models import User
from omniloop.stores.models import SalesChannel, Store
from omniloop.touchpoints.models import Touchpoint

Cell = str | int | Decimal | date | None

FLOW_LABELS = {
    "store_sale": _("Store sale"),
    "online": _("Online, shipped from the warehouse"),
    "pickup": _("Buy online, pick up in store"),
    "scan_to_buy": _("Scan a tag in store, buy online"),
    "endless_aisle": _("Endless aisle"),
    "ship_from_store": _("Ship from store"),
    "marketplace": _("Marketplace"),
    "imported": _("Imported history"),
}
# The flows that join the shop and the store (O2O): the store hands over, the tag sells, the
# store ships or orders for the shopper.
O2O_FLOWS = ("pickup", "scan_to_buy", "endless_aisle", "ship_from_store")
JOIN_CHANNEL_LABELS = {
    "scan": _("Scan"),
    "h5": _("H5 page"),
    "till": _("Till"),
    "import": _("Import"),
    "wechat": _("WeChat"),
    "marketplace": _("Marketplace"),
    "": _("Unknown"),
}
TOUCHPOINT_KIND_LABELS = {
    "store_counter": _("Store counter"),
    "assistant_card": _("Assistant card"),
    "product_tag": _("Product tag"),
    "poster": _("Poster / campaign"),
}


@dataclass(frozen=True)
class Column:
    key: str
    label: Any  # a lazy translation
    kind: str = "text"  # text, int, money, percent, date


@dataclass
class Table:
    key: str
    title: Any
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)
    note: Any = ""
    shown: int = 50  # the page shows the first rows; exports hold them all
    collapsed: bool = False  # long tables start folded, under their chart
    total: int | None = None  # rows in all, when `rows` holds only the first ones (a page)
    empty: Any = ""  # what an empty table says (default: nothing in this period)

    @property
    def row_count(self) -> int:
        return self.total if self.total is not None else len(self.rows)

    @property
    def cut(self) -> bool:
        """The page shows fewer rows than there are (the exports hold them all)."""
        return self.row_count > len(self.rows[: self.shown])

    @property
    def visible(self) -> list[list[tuple[Column, Cell]]]:
        """The rows the page shows, each cell with its column (for its label and format)."""
        return [list(zip(self.columns, row, strict=True)) for row in self.rows[: self.shown]]


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def _english() -> bool:
    return (get_language() or "").startswith("en")


def _loc(name: str, name_en: str) -> str:
    return name_en if _english() and name_en else name


class Names:
    """Labels for the ids the cells hold, fetched once per page for the ids it shows."""

    def __init__(self) -> None:
        self._stores: dict[int, tuple[str, str]] = {}
        self._channels: dict[int, str] = {}
        self._touchpoints: dict[int, str] = {}
        self._assistants: dict[int, tuple[str, str]] = {}

    def load(
        self,
        *,
        stores: set[int] = frozenset(),  # type: ignore[assignment]
        channels: set[int] = frozenset(),  # type: ignore[assignment]
        touchpoints: set[int] = frozenset(),  # type: ignore[assignment]
        assistants: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> Names:
        for pk, code, name, name_en in Store.objects.filter(pk__in=stores - {0}).values_list(
            "pk", "code", "name", "name_en"
        ):
            self._stores[pk] = (code, _loc(name, name_en))
        for pk, name, name_en in SalesChannel.objects.filter(pk__in=channels).values_list(
            "pk", "name", "name_en"
        ):
            self._channels[pk] = _loc(name, name_en)
        for tp in Touchpoint.objects.filter(pk__in=touchpoints - {0}).select_related("store"):
            store = _loc(tp.store.name, tp.store.name_en) if tp.store else ""
            kind = str(TOUCHPOINT_KIND_LABELS.get(tp.kind, tp.kind))
            text = tp.label or " · ".join(p for p in (kind, store) if p)
            self._touchpoints[tp.pk] = f"{text} ({tp.scene[:6]})"
        for pk, username, display, staff_code in User.objects.filter(
            pk__in=assistants - {0}
        ).values_list("pk", "username", "display_name", "staff_code"):
            self._assistants[pk] = (staff_code or "", display or username)
        return self

    def store(self, pk: int) -> str:
        none = str(_("No store (HQ)"))
        return self._stores.get(pk, ("", none))[1] if pk else none

    def store_code(self, pk: int) -> str:
        return self._stores.get(pk, ("", ""))[0]

    def channel(self, pk: int) -> str:
        return self._channels.get(pk, str(pk))

    def touchpoint(self, pk: int) -> str:
        return self._touchpoints.get(pk, "") if pk else str(_("No touchpoint"))

    def assistant(self, pk: int) -> str:
        return self._assistants.get(pk, ("", ""))[1] if pk else str(_("No assistant"))

    def assistant_code(self, pk: int) -> str:
        return self._assistants.get(pk, ("", ""))[0]


def _plain(value: Cell) -> str | int | float | date:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value)
    return value


def table_csv(table: Table) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese names correctly with a BOM
    writer = csv.writer(out)
    writer.writerow([str(c.label) for c in table.columns])
    for row in table.rows:
        writer.writerow([_plain(v) for v in row])
    return out.getvalue().encode("utf-8")


def table_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=table.key[:31])
    sheet.append([str(c.label) for c in table.columns])
    for row in table.rows:
        # Money and percentages stay exact decimals in the cell (openpyxl writes Decimal as a
        # number); empty cells stay empty.
        sheet.append([v if v is not None else None for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
