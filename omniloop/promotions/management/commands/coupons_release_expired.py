"""`omniloop coupons_release_expired`: free coupons whose checkout hold has lapsed."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from omniloop.promotions.coupons import coupons_release_expired


class Command(BaseCommand):
    help = "Release coupons held by checkouts whose reservation has expired."

    def handle(self, *args: Any, **options: Any) -> None:
        released = coupons_release_expired()
        self.stdout.write(f"Released {released} coupon(s).")
