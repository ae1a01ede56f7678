"""The one place code asks for the time, so tests can control it (freezegun patches this too)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
