"""Dashboard sign-in throttling: per address and per username, exact (`core.ratelimit`)."""

from __future__ import annotations

import hashlib

from django.conf import settings

from omniloop.core.ratelimit import hit

LOCKED_CODE = "login_rate_limited"


def _username_key(username: str) -> str:
    # Hashed so typed usernames (sometimes a phone, sometimes a password in the wrong box) are
    # not kept in the counter table; lower-cased so "Admin" and "admin" share one budget.
    return hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]


def staff_login_throttle(*, username: str, ip: str) -> None:
    """Counts one sign-in attempt against the address and against the username typed, and
    raises `RateLimited` (`login_rate_limited`) once either budget is spent.

    Attempts are counted, not failures: counting failures would need a read (did the
    password match?) before the write, and parallel guesses would all pass that read. So N
    attempts in a window are let through exactly, whatever their outcome."""
    message = "Too many sign-in attempts. Try again later."
    hit(
        f"login:ip:{ip or 'unknown'}",
        settings.OMNILOOP_LOGIN_RATE_PER_IP,
        code=LOCKED_CODE,
        message=message,
    )
    hit(
        f"login:user:{_username_key(username)}",
        settings.OMNILOOP_LOGIN_RATE_PER_USERNAME,
        code=LOCKED_CODE,
        message=message,
    )
