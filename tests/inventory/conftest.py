from __future__ import annotations

import pytest

from tests.factories import make_product, make_store
from tests.inventory.helpers import assert_sound


@pytest.fixture
def shop(db):
    class Shop:
        a = make_store("sha", city="上海")
        b = make_store("shb", city="上海")
        c = make_store("bjc", city="北京")
        product = make_product("JK1")
        skus = {s.sku_code: s for s in product.skus.all()}

    yield Shop
    assert_sound()
