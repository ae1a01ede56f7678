"""`omniloop flash_release_expired`: give back the stock of flash-sale claims not paid in time.

`omniloop scheduler` enqueues `flash_release_expired_task` every minute (ADR 11); this command
does the same by hand. It is safe to run from several places at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from omniloop.promotions.flash import flash_release_expired


class Command(BaseCommand):
    help = "Release flash-sale claims whose time to pay has passed: stock and allowance go back."

    def handle(self, *args: Any, **options: Any) -> None:
        released = flash_release_expired()
        self.stdout.write(f"Released {released} flash-sale claim(s).")
