"""`omniloop demo_load [--seed N] [--members N] [--months N] [--reset]`: the demo brand."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omniloop.core.errors import ApplicationError
from omniloop.demo.info import demo_summary
from omniloop.demo.loader import DEFAULT_SEED, demo_load, demo_loaded


class Command(BaseCommand):
    help = (
        "Load the 衣见 YIJIAN demo brand: stores, staff, catalogue, members, scans and six "
        "months of sales. Deterministic for a given --seed."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument("--members", type=int, default=5000)
        parser.add_argument("--months", type=int, default=6)
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete existing brand data (staff except superusers) first",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        verbose = opts["verbosity"] >= 2
        if not opts["reset"] and demo_loaded():
            self._already_loaded()
            return
        if opts["verbosity"] >= 1:
            self.stdout.write(
                f"Loading the demo brand (seed {opts['seed']}, {opts['members']} "
                f"members, {opts['months']} months)..."
            )
        try:
            result = demo_load(
                seed=opts["seed"],
                members=opts["members"],
                months=opts["months"],
                reset=opts["reset"],
                progress=self.stdout.write if verbose else None,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        if not result.loaded:
            self._already_loaded()
            return
        self.stdout.write(self.style.SUCCESS(f"Demo brand loaded in {result.seconds:.1f} s."))
        self.stdout.write("\n".join(demo_summary()))
        self.stdout.write(f"  Till API token for sh01 (shown once): {result.till_secret}\n")

    def _already_loaded(self) -> None:
        self.stdout.write(
            self.style.WARNING(
                "Demo brand already loaded (stores exist); nothing changed. Use --reset to load it "
                "again."
            )
        )
        self.stdout.write("\n".join(demo_summary()))
