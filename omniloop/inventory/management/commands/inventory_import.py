"""`omniloop inventory_import PATH [--mode replace|delta]`: load stock counts from CSV (columns
store_ref, sku_ref, on_hand), all rows or none; problems are printed by row number."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.inventory.csv_import import COLUMNS, stock_import_csv


class Command(BaseCommand):
    help = (
        "Load stock counts per store and SKU from a CSV file (all rows or none). "
        f"Columns: {', '.join(COLUMNS)} (sku_ref: SKU code or barcode)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV file with a header row")
        parser.add_argument(
            "--mode",
            choices=("replace", "delta"),
            default="replace",
            help="replace: on_hand is the count (default); delta: on_hand is the change",
        )
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="File encoding (default utf-8, BOM allowed)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["path"], encoding=options["encoding"], newline="") as f:
                result = stock_import_csv(lines=f, mode=options["mode"])
        except OSError as exc:
            raise CommandError(f"Cannot read {options['path']}: {exc.strerror}") from exc
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"{options['path']} is not {options['encoding']} text (try --encoding gb18030)."
            ) from exc
        except ApplicationError as exc:
            for p in exc.extra.get("problems", []):
                where = f" ({p['field']})" if p["field"] else ""
                self.stderr.write(f"row {p['row']}: {p['code']}{where}: {p['message']}")
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"{result.rows} rows: {result.created} new, {result.changed} changed, "
            f"{result.unchanged} unchanged."
        )
