from __future__ import annotations

from datetime import datetime

import pytest

from omniloop.members.services import consent_record
from tests.factories import make_member

# 10:00 in Shanghai: outside the default quiet hours (21:00-09:00).
NOON = datetime.fromisoformat("2026-03-02T10:00:00+08:00")


@pytest.fixture(autouse=True)
def _fast_retries(settings):
    settings.OMNILOOP_MESSAGING_BACKOFF_SECONDS = 30
    settings.OMNILOOP_MESSAGING_MAX_ATTEMPTS = 3


def member_with(*, consents: tuple[str, ...] = ("sms",), phone: str | None = None, **kw):
    member = make_member(phone, **kw)
    for channel in consents:
        consent_record(member=member, channel=channel, granted=True, source="test")
    return member
