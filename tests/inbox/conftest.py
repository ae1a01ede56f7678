from __future__ import annotations

import pytest

from tests.wechat.conftest import fake_wechat, wechat, wechat_safe  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.OMNILOOP_PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"
