"""Two-factor sign-in for HQ roles (issue 10): a time-based one-time code (TOTP, RFC 6238,
30-second steps, 6 digits; pyotp) from any authenticator app, after the password.

A first sign-in enrols: the secret is drawn and shown once as a QR code and text, and is
confirmed by the first good code. A code is accepted for the current step or the one either
side (clock drift), and only for a step later than the last one accepted: a code seen over a
shoulder or replayed from a log is refused. The check locks the user's row, so two requests
with the same code cannot both pass."""

from __future__ import annotations

import pyotp
from django.conf import settings
from django.db import transaction

from omniloop.accounts.models import StaffTotp, User
from omniloop.core import clock, crypto

_CONTEXT = b"staff.totp"
ISSUER = "Omniloop"
STEP_SECONDS = 30


def totp_required(user: User) -> bool:
    return user.role in settings.OMNILOOP_2FA_ROLES


def totp_enrolled(user: User) -> bool:
    return StaffTotp.objects.filter(user=user, confirmed_at__isnull=False).exists()


def totp_secret(row: StaffTotp) -> str:
    return crypto.decrypt(bytes(row.secret_encrypted), context=_CONTEXT)


def totp_enrolment_secret(user: User) -> str:
    """The secret to enrol with: drawn on first call, the same until confirmed. Refuses once
    enrolled (the secret is never shown again; an HQ admin resets a lost authenticator)."""
    row = StaffTotp.objects.filter(user=user).first()
    if row is not None and row.confirmed_at is not None:
        raise PermissionError("already enrolled")
    if row is None:
        secret = pyotp.random_base32()
        row, created = StaffTotp.objects.get_or_create(
            user=user,
            defaults={
                "secret_encrypted": crypto.encrypt(secret, context=_CONTEXT),
                "created_at": clock.now(),
            },
        )
        if created:
            return secret
    return totp_secret(row)


def totp_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def totp_verify(*, user: User, code: str) -> bool:
    """Accept `code` once; the first good code also confirms an enrolment."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return False
    with transaction.atomic():
        row = StaffTotp.objects.select_for_update().filter(user=user).first()
        if row is None:
            return False
        totp = pyotp.TOTP(totp_secret(row))
        now = clock.now()
        step = int(now.timestamp()) // STEP_SECONDS
        for candidate in (step - 1, step, step + 1):
            if candidate <= row.last_step:
                continue
            if pyotp.utils.strings_equal(code, totp.at(candidate * STEP_SECONDS)):
                row.last_step = candidate
                row.confirmed_at = row.confirmed_at or now
                row.save(update_fields=["last_step", "confirmed_at"])
                return True
    return False


def totp_reset(*, user: User) -> bool:
    """Forget the user's second factor: they enrol again at their next sign-in."""
    deleted, _ = StaffTotp.objects.filter(user=user).delete()
    return bool(deleted)
