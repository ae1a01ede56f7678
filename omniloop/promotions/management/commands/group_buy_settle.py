"""`omniloop group_buy_settle`: lapse the open group buys whose deadline has passed.

`omniloop scheduler` enqueues `group_buy_settle_task` every minute (ADR 11); this command does
the same by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from omniloop.promotions.group_buy import group_buy_settle


class Command(BaseCommand):
    help = "Lapse open group buys that did not reach their members before the deadline."

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = group_buy_settle()
        self.stdout.write(f"Lapsed {lapsed} group buy(s).")
