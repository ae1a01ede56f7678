"""Customer lifetime value models from the command line.

`omniloop clv fit --as-of T [--unit day|week]` prints the BG/NBD and Gamma-Gamma parameters
fitted on every member's purchases up to T as JSON.
"""

from __future__ import annotations

import json
import zoneinfo
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omniloop.clv.as_of import as_of_parse
from omniloop.clv.selectors import clv_fit
from omniloop.clv.values import UNIT_DAYS
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError


class Command(BaseCommand):
    help = "Fit the lifetime value models (BG/NBD and Gamma-Gamma) on the brand's orders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        fit = sub.add_parser("fit", help="Fit both models and print their parameters as JSON")
        fit.add_argument(
            "--as-of",
            default=None,
            help="ISO date or datetime (default now); a date means the end of that day",
        )
        fit.add_argument(
            "--unit", choices=sorted(UNIT_DAYS), default="day", help="Time unit of the fit"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _fit(self, opts: dict[str, Any]) -> None:
        tz = zoneinfo.ZoneInfo(brand_settings().timezone)
        as_of = as_of_parse(opts["as_of"], tz=tz) if opts["as_of"] else clock.now()
        fitted = clv_fit(as_of=as_of, unit_days=UNIT_DAYS[opts["unit"]])
        self.stdout.write(json.dumps(fitted.as_json()))
