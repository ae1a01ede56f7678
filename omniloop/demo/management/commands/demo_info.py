"""`omniloop demo_info`: the demo's URLs and logins, for a database already loaded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from omniloop.demo.info import demo_summary
from omniloop.stores.models import Store


class Command(BaseCommand):
    help = "Print the demo brand's URLs and logins."

    def handle(self, *args: Any, **opts: Any) -> None:
        if not Store.objects.exists():
            raise CommandError("No demo brand loaded. Run `omniloop demo_load` first.")
        self.stdout.write("\n".join(demo_summary()))
        self.stdout.write("  A till API token: omniloop token create --store sh01\n")
