from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from omniloop.catalog.models import Sku
from omniloop.stores.models import Store
from tests.clv.helpers import load_cdnow
from tests.factories import make_product, make_store


@pytest.fixture(scope="module")
def cdnow_module(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Store]:
    """The CDNOW sample as one New York store's orders of one SKU (dollars read as yuan),
    loaded once per module inside a transaction that is rolled back at its end."""
    with django_db_blocker.unblock(), transaction.atomic():
        store = make_store("cdnow", timezone="America/New_York")
        product = make_product("CD0001", price="15.00", sizes=("1",))
        load_cdnow(store, Sku.objects.get(product=product))
        yield store
        transaction.set_rollback(True)


@pytest.fixture
def cdnow(cdnow_module: Store, db: None) -> Store:
    return cdnow_module
