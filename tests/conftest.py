from __future__ import annotations

import os

os.environ.setdefault("OMNILOOP_ENV", "test")

import pytest  # noqa: E402

from omniloop.core.sms import LocmemSmsBackend  # noqa: E402


@pytest.fixture(autouse=True)
def _clean_sms_outbox() -> None:
    LocmemSmsBackend.outbox.clear()


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def sms_outbox() -> list:
    return LocmemSmsBackend.outbox
