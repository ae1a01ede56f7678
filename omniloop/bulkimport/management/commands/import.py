"""`omniloop import KIND PATH`: stores, products, members or orders from CSV (with a header)
or Parquet (by extension), all rows or none; `marketplace_orders` from a platform's CSV export,
each order through the promotion engine (`omniloop.marketplace.csv_import`, ADR 27). A
progress bar on a terminal, a summary at the end; problems are printed by row and column."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.bulkimport.service import KINDS, bulk_import
from omniloop.bulkimport.specs import SPECS
from omniloop.core.errors import ApplicationError
from omniloop.marketplace.csv_import import marketplace_orders_import_csv

MARKETPLACE = "marketplace_orders"


class Command(BaseCommand):
    help = "Import history from CSV or Parquet: " + "; ".join(
        f"{s.kind}: {', '.join(s.required)}* {', '.join(s.optional)}" for s in SPECS.values()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=[*KINDS, MARKETPLACE])
        parser.add_argument("path", help="A .csv file with a header row, or a .parquet file")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        show = not options["no_progress"] and sys.stderr.isatty()  # a terminal, not a pipe
        if options["kind"] == MARKETPLACE:
            self._marketplace(options["path"])
            return
        try:
            if show:
                result = self._with_bar(options["kind"], options["path"])
            else:
                result = bulk_import(kind=options["kind"], path=options["path"])
        except ApplicationError as exc:
            self._report(exc)
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        extra = "".join(f", {k.replace('_', ' ')} {v}" for k, v in result.extra.items())
        self.stdout.write(
            f"{result.kind}: {result.rows} rows read, {result.created} created, "
            f"{result.updated} updated, {result.unchanged} unchanged{extra} "
            f"in {result.seconds:.1f} s"
        )

    def _marketplace(self, path: str) -> None:
        try:
            result = marketplace_orders_import_csv(path=path)
        except ApplicationError as exc:
            self._report(exc)
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(
            f"{MARKETPLACE}: {result.rows} rows read, {result.orders} orders, "
            f"{result.created} created, {result.replayed} unchanged, "
            f"{result.with_drift} with price drift, "
            f"{result.coupons_not_honoured} coupon codes not honoured"
        )

    def _with_bar(self, kind: str, path: str) -> Any:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TimeElapsedColumn(),
            console=Console(stderr=True),  # stdout keeps only the summary
            transient=True,
        ) as bar:
            task = bar.add_task(f"{kind}: reading", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            def phase(name: str) -> None:
                bar.update(task, description=f"{kind}: {name}")

            return bulk_import(kind=kind, path=path, progress=progress, phase=phase)

    def _report(self, exc: ApplicationError) -> None:
        for p in exc.extra.get("problems", []):
            where = f"row {p['row']}" if p["row"] is not None else "file"
            column = f" {p['column']}" if p["column"] else ""
            value = f" ({p['value']!r})" if p.get("value") else ""
            self.stderr.write(f"{where}{column}: {p['code']}: {p['message']}{value}")
        total, listed = exc.extra.get("total", 0), len(exc.extra.get("problems", []))
        if total > listed:
            self.stderr.write(f"... and {total - listed} more problem(s) ({total} in all)")
        for column, refs in exc.extra.get("unknown", {}).items():
            n = exc.extra.get("unknown_total", {}).get(column, len(refs))
            more = f" (and {n - len(refs)} more)" if n > len(refs) else ""
            self.stderr.write(f"unknown {column} ({n}): {', '.join(refs)}{more}")
