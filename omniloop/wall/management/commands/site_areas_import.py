"""`omniloop site_areas_import PATH`: the centres of delivery regions for store site selection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.wall.sites import site_areas_import


class Command(BaseCommand):
    help = "Load delivery regions' centres (CSV: region,latitude,longitude), all rows or none."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            n = site_areas_import(Path(options["path"]).read_text(encoding="utf-8-sig"))
        except (OSError, ApplicationError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from exc
        self.stdout.write(f"{n} regions loaded")
