"""`omniloop features rebuild [--as-of T]`: recompute every member's features in one pass."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.insights.features import features_rebuild
from omniloop.insights.rules import parse_moment
from omniloop.insights.selectors import brand_tz


class Command(BaseCommand):
    help = "Member features: rebuild them all (as of now, or --as-of)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recompute every active member's features")
        rebuild.add_argument(
            "--as-of",
            help="ISO date (the end of that day, brand time zone) or time",
        )
        rebuild.add_argument(
            "--keep-rfm-scale",
            action="store_true",
            help="Reuse the last rebuild's RFM breakpoints instead of recalibrating",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        as_of = None
        if options["as_of"]:
            tz, _ = brand_tz()
            try:
                as_of = parse_moment(options["as_of"], tz, end_of_day=True)
            except ValueError as exc:
                raise CommandError(f"--as-of: {exc}") from exc
        started = time.perf_counter()
        members = features_rebuild(as_of=as_of, keep_rfm_scale=options["keep_rfm_scale"])
        self.stdout.write(f"{members} members in {time.perf_counter() - started:.2f}s")
