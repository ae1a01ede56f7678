from __future__ import annotations

import pytest

from tests.settlement.world import Brand, make_brand


@pytest.fixture
def brand(db) -> Brand:
    return make_brand()
