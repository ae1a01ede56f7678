from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from omniloop.inventory.models import StockLevel, StockReservation
from omniloop.stores.models import Store
from tests.inventory.helpers import assert_sound

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _load(**kw: object) -> None:
    call_command("demo_load", stdout=StringIO(), members=300, months=1, **kw)


def test_open_stores_hold_stock_and_a_few_pickups_are_held():
    _load()
    open_ids = set(Store.objects.filter(status=Store.Status.OPEN).values_list("pk", flat=True))
    stocked = set(StockLevel.objects.values_list("store_id", flat=True).distinct())
    assert stocked and stocked <= open_ids
    assert StockLevel.objects.filter(on_hand__gt=0).count() > StockLevel.objects.count() / 2
    assert StockReservation.objects.filter(status="held").count() == 6
    assert_sound()
    first = sorted(StockLevel.objects.values_list("store__code", "sku__sku_code", "on_hand"))
    _load(reset=True)
    again = sorted(StockLevel.objects.values_list("store__code", "sku__sku_code", "on_hand"))
    assert again == first  # the same seed stocks the same brand
    assert_sound()
