from __future__ import annotations

import base64

import pytest

from tests.wechat.fake_server import FakeWechat

APP_ID = "wx0123456789abcdef"
TOKEN = "omniloopToken42"
SECRET = "fake-app-secret"
AES_KEY = base64.b64encode(bytes(range(7, 39))).decode().rstrip("=")
OLD_AES_KEY = base64.b64encode(bytes(range(100, 132))).decode().rstrip("=")


@pytest.fixture
def fake_wechat():
    server = FakeWechat(app_id=APP_ID, secret=SECRET).start()
    yield server
    server.stop()


@pytest.fixture
def wechat(settings, fake_wechat):
    """The service account in plaintext mode, its API on the fake server."""
    settings.OMNILOOP_WECHAT_APP_ID = APP_ID
    settings.OMNILOOP_WECHAT_TOKEN = TOKEN
    settings.OMNILOOP_WECHAT_AES_KEY = ""
    settings.OMNILOOP_WECHAT_AES_KEY_OLD = ""
    settings.OMNILOOP_WECHAT_APP_SECRET = SECRET
    settings.OMNILOOP_WECHAT_API_BASE = fake_wechat.url
    return fake_wechat


@pytest.fixture
def wechat_safe(wechat, settings):
    """Safe mode: an EncodingAESKey is set, so only encrypted messages are accepted."""
    settings.OMNILOOP_WECHAT_AES_KEY = AES_KEY
    return wechat
