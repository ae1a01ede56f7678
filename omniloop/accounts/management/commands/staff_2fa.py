"""`omniloop staff_2fa reset USERNAME`: forget a staff member's authenticator (they enrol again
at their next sign-in; audited). `omniloop staff_2fa code USERNAME`: print the current code,
outside production only (the demo's HQ logins)."""

from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from omniloop.accounts.models import StaffTotp, User
from omniloop.accounts.totp import totp_enrolment_secret, totp_reset, totp_secret
from omniloop.audit.services import audit_record


class Command(BaseCommand):
    help = "Reset a staff member's two-factor sign-in, or print a demo login's current code."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["reset", "code"])
        parser.add_argument("username")

    def handle(self, *args: Any, action: str, username: str, **options: Any) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No staff member {username!r}.")
        if action == "reset":
            totp_reset(user=user)
            audit_record(
                action="auth.2fa_reset",
                actor=None,
                target_type="user",
                target_id=user.pk,
                summary=f"username={username[:64]} (command line)",
            )
            self.stdout.write(f"{username} enrols a new authenticator at the next sign-in.")
            return
        if settings.PRODUCTION:
            raise CommandError("Codes are printed outside production only.")
        row = StaffTotp.objects.filter(user=user).first()
        secret = totp_secret(row) if row is not None else totp_enrolment_secret(user)
        self.stdout.write(pyotp.TOTP(secret).now())
