"""`omniloop listings_import CHANNEL PATH`: import a channel's observed listings from CSV, all
rows or none; problems are printed by row number."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.listings.csv_import import OPTIONAL, REQUIRED, listings_import_csv


class Command(BaseCommand):
    help = (
        "Import observed listings of one sales channel from a CSV file (all rows or none). "
        f"Columns: {', '.join(REQUIRED)}; optional: {', '.join(OPTIONAL)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", help="Sales channel code, e.g. tmall")
        parser.add_argument("path", help="CSV file with a header row")
        parser.add_argument(
            "--encoding", default="utf-8-sig", help="File encoding (default utf-8, BOM allowed)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            with open(options["path"], encoding=options["encoding"], newline="") as f:
                result = listings_import_csv(channel_code=options["channel"], lines=f)
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
            f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.ignored_older} older than stored (ignored)."
        )
