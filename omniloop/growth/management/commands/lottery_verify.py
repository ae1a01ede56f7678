"""`omniloop lottery_verify ID`: recompute a drawn lottery's winners from its record."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from omniloop.core.errors import ApplicationError
from omniloop.growth.lottery import lottery_verify


class Command(BaseCommand):
    help = "Verify a lottery draw: the seed against its commitment, the winners against the seed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lottery_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            v = lottery_verify(lottery_id=options["lottery_id"])
        except ApplicationError as exc:
            raise CommandError(f"{exc.code}: {exc}") from exc
        self.stdout.write(f"seed matches commitment: {v.seed_matches_commitment}")
        self.stdout.write(f"recorded winners:   {v.recorded}")
        self.stdout.write(f"recomputed winners: {v.recomputed}")
        if not v.ok:
            raise CommandError("verification FAILED")
        self.stdout.write(self.style.SUCCESS("verified"))
