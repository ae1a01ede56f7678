from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from omniloop.stores.models import Store
from tests.clv.helpers import load_cdnow


@pytest.fixture(scope="module")
def cdnow_module(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    """The CDNOW sample as one New York store's orders of one SKU (dollars read as yuan),
    imported through `omniloop import` once per module inside a transaction that is rolled back
    at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_cdnow(tmp_path_factory.mktemp("cdnow"))
        yield Store.objects.get(code="cdnow")
        transaction.set_rollback(True)


@pytest.fixture
def cdnow(cdnow_module: Store, db: None) -> Store:
    return cdnow_module
