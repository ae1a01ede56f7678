"""`omniloop wall_rebuild [--from D] [--to D]`: recompute the wall's aggregates from the rows."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.wall.rebuild import wall_rebuild


def _day(value: str | None, flag: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{flag}: {value!r} is not an ISO date (YYYY-MM-DD)") from exc


class Command(BaseCommand):
    help = (
        "Rebuild the wall's sales and scan cells for local days --from..--to (every day "
        "without them) and all member and cohort cells, set-based."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="start", help="First local day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="Last local day, YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        start, end = _day(options["start"], "--from"), _day(options["end"], "--to")
        if start and end and start > end:
            raise CommandError("--from is after --to")
        began = time.perf_counter()
        counts = wall_rebuild(start=start, end=end)
        self.stdout.write(
            f"wall rebuilt in {time.perf_counter() - began:.1f}s: "
            f"{counts.sales_cells} sales cells, {counts.scan_cells} scan cells, "
            f"{counts.member_facts} members, {counts.member_cells} member cells, "
            f"{counts.cohort_cells} cohort cells"
        )
