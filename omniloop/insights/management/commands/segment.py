"""`omniloop segment count --rule FILE [--as-of T] [--refs]` and `omniloop segment refresh`.

`count` prints the number of members the rule matches as its last line; with `--refs` the
members' refs (the brand's member number, else the member code) come first, one per line.
A date-only `--as-of D` means the end of day D in the brand's time zone. Without `--as-of` the
materialised features answer; with it, features computed from orders at exactly that time."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.insights.selectors import (
    as_of_parse,
    segment_count,
    segment_export_rows,
    segment_get,
    segment_list,
)
from omniloop.insights.services import segment_refresh


class Command(BaseCommand):
    help = "Segments: count a rule's members, or refresh saved segments."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        count = sub.add_parser("count", help="Count the members a JSON rule matches")
        count.add_argument("--rule", required=True, help="A JSON rule file (- for stdin)")
        count.add_argument("--as-of", help="ISO date (end of that day) or time; default now")
        count.add_argument("--refs", action="store_true", help="List the members' refs first")
        count.add_argument(
            "--source", choices=("features", "orders"), help="Override which source answers"
        )
        refresh = sub.add_parser("refresh", help="Materialise saved segments as new versions")
        refresh.add_argument("slugs", nargs="*", help="Segment slugs (default: all)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "count":
                self._count(options)
            else:
                self._refresh(options["slugs"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _count(self, options: dict[str, Any]) -> None:
        path = options["rule"]
        try:
            text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
            rule = json.loads(text)
        except (OSError, ValueError) as exc:
            raise CommandError(f"--rule: {exc}") from exc
        as_of = None
        if options["as_of"]:
            try:
                as_of = as_of_parse(options["as_of"])
            except ValueError as exc:
                raise CommandError(f"--as-of: {exc}") from exc
        source = options["source"]
        if options["refs"]:
            n = 0
            for row in segment_export_rows(rule, as_of=as_of, source=source):
                self.stdout.write(str(row[1]))
                n += 1
            self.stdout.write(str(n))
            return
        count, _ = segment_count(rule, as_of=as_of, source=source)
        self.stdout.write(str(count))

    def _refresh(self, slugs: list[str]) -> None:
        if slugs:
            found = {slug: segment_get(slug) for slug in slugs}
            missing = [slug for slug, s in found.items() if s is None]
            if missing:
                raise CommandError(f"No segment {missing[0]!r}.")
            segments = [s for s in found.values() if s is not None]
        else:
            segments = segment_list()
        for segment in segments:
            version = segment_refresh(segment)
            self.stdout.write(f"{segment.slug} v{version.number}: {version.member_count}")
