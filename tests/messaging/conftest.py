from __future__ import annotations

from datetime import datetime

import pytest

from omniloop.members.services import consent_record
from tests.dashboard.conftest import world  # noqa: F401 (the dashboard's staff and members)
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


@pytest.fixture
def sms_gateway(settings):
    """The HTTP SMS provider, talking to a local fake gateway."""
    from tests.messaging.fake_sms import KEY_ID, KEY_SECRET, FakeSmsGateway

    gateway = FakeSmsGateway().start()
    settings.OMNILOOP_SMS_BACKEND = "omniloop.messaging.sms_http.AliyunSmsBackend"
    settings.OMNILOOP_SMS_HTTP_ENDPOINT = gateway.url
    settings.OMNILOOP_SMS_HTTP_KEY_ID = KEY_ID
    settings.OMNILOOP_SMS_HTTP_KEY_SECRET = KEY_SECRET
    settings.OMNILOOP_SMS_HTTP_SIGN_NAME = "全渠道"
    settings.OMNILOOP_SMS_HTTP_TIMEOUT = 2
    yield gateway
    gateway.stop()
