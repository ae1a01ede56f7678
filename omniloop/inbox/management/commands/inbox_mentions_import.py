"""`omniloop inbox_mentions_import FILE.csv`: social mentions exported from a platform
(columns platform, id, author, text and optionally url), all rows or none."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.inbox.mentions import mentions_from_csv


class Command(BaseCommand):
    help = "Import social mentions from a CSV file into the customer-service inbox."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            tickets = mentions_from_csv(options["path"].read_text(encoding="utf-8-sig"))
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        self.stdout.write(f"{len(tickets)} mentions in the inbox.")
