from __future__ import annotations

import pytest

from omniloop.core.errors import ApplicationError
from omniloop.inventory.models import StockLevel, StockMovement
from omniloop.inventory.services import (
    ReserveLine,
    StockRow,
    stock_load,
    stock_load_many,
    stock_reserve,
)
from tests.inventory.helpers import LATER, T0, level, load, snapshot

pytestmark = pytest.mark.django_db


def test_replace_sets_listed_skus_and_leaves_others(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 3})
    result = load(shop.a, {"JK1-S": 2, "JK1-M": 3}, at=LATER)
    assert (result.rows, result.created, result.changed, result.unchanged) == (2, 0, 1, 1)
    assert level(shop.a, "JK1-S") == (2, 0)
    assert level(shop.a, "JK1-M") == (3, 0)
    row = StockLevel.objects.get(store=shop.a, sku__sku_code="JK1-M")
    assert (row.source, row.loaded_at) == ("till", LATER)
    changes = list(
        StockMovement.objects.filter(sku__sku_code="JK1-S")
        .order_by("pk")
        .values_list("kind", "on_hand_change")
    )
    assert changes == [("load", 5), ("load", -3)]


def test_rows_by_barcode_and_delta(shop):
    barcode = shop.skus["JK1-L"].barcode
    load(shop.a, {barcode: 4})
    result = load(shop.a, {barcode: -1, "JK1-S": 2}, mode="delta")
    assert result.created == 1
    assert level(shop.a, "JK1-L") == (3, 0)
    assert level(shop.a, "JK1-S") == (2, 0)
    assert StockMovement.objects.filter(kind="adjust").count() == 2


def test_every_bad_row_is_reported_and_nothing_written(shop):
    load(shop.a, {"JK1-S": 5})
    before = snapshot()
    rows = [
        StockRow(sku="JK1-S", on_hand=1),
        StockRow(sku="NOPE", on_hand=1),
        StockRow(sku="JK1-M", on_hand=-1),
        StockRow(sku="JK1-S", on_hand=2),
        StockRow(sku="JK1-L", on_hand=1, store=shop.b.code),
        StockRow(sku="JK1-L", on_hand=True),  # type: ignore[arg-type]
    ]
    with pytest.raises(ApplicationError) as exc:
        stock_load(store=shop.a, rows=rows, source="till")
    assert exc.value.code == "stock_rows_invalid"
    got = [(p["index"], p["code"]) for p in exc.value.extra["problems"]]
    assert got == [
        (1, "sku_unknown"),
        (2, "on_hand_invalid"),
        (3, "row_duplicate"),
        (4, "store_mismatch"),
        (5, "on_hand_invalid"),
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"rows": []}, "stock_rows_empty"),
        ({"mode": "sideways"}, "mode_invalid"),
        ({"source": "fax"}, "source_invalid"),
    ],
)
def test_bad_loads_are_refused(shop, kwargs, code):
    args = {"store": shop.a, "rows": [StockRow(sku="JK1-S", on_hand=1)], "source": "till"}
    with pytest.raises(ApplicationError) as exc:
        stock_load(**{**args, **kwargs})
    assert exc.value.code == code
    assert not StockLevel.objects.exists()


def test_on_hand_never_below_reserved_and_the_whole_load_rolls_back(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 5})
    stock_reserve(
        store_id=shop.a.pk,
        lines=[ReserveLine(shop.skus["JK1-S"].pk, 3)],
        kind="pickup",
        reference="O-1",
        expires_at=LATER,
        at=T0,
    )
    before = snapshot()
    for counts, mode in (({"JK1-M": 1, "JK1-S": 2}, "replace"), ({"JK1-S": -3}, "delta")):
        with pytest.raises(ApplicationError) as exc:
            load(shop.a, counts, mode=mode)
        assert exc.value.status == 409
        assert exc.value.code == "stock_below_reserved"
        assert (exc.value.extra["sku"], exc.value.extra["reserved"]) == ("JK1-S", 3)
        assert snapshot() == before  # JK1-M's row was written first, and rolled back
    load(shop.a, {"JK1-S": 3})  # exactly the reserved units is fine
    assert level(shop.a, "JK1-S") == (3, 3)


def test_many_stores_in_one_load(shop):
    result = stock_load_many(
        rows=[
            StockRow(sku="JK1-S", on_hand=1, store="sha"),
            StockRow(sku="JK1-S", on_hand=2, store="shb"),
        ],
        source="erp",
    )
    assert result.created == 2
    assert (level(shop.a, "JK1-S"), level(shop.b, "JK1-S")) == ((1, 0), (2, 0))
    with pytest.raises(ApplicationError) as exc:
        stock_load_many(
            rows=[StockRow(sku="JK1-S", on_hand=1, store="zzz"), StockRow(sku="JK1-S", on_hand=1)],
            source="erp",
        )
    codes = [p["code"] for p in exc.value.extra["problems"]]
    assert codes == ["store_unknown", "store_required"]


def test_a_large_load_is_written_in_batches_and_rolled_back_as_one(shop):
    from omniloop.catalog.models import Sku

    Sku.objects.bulk_create(
        [
            Sku(product=shop.product, sku_code=f"BIG-{i:03d}", barcode=f"B{i:07d}", size="F")
            for i in range(320)
        ]
    )
    result = load(shop.a, {f"BIG-{i:03d}": i % 5 + 1 for i in range(320)})
    assert (result.created, result.changed) == (320, 320)
    got = dict(StockLevel.objects.filter(store=shop.a).values_list("sku__sku_code", "on_hand"))
    assert got == {f"BIG-{i:03d}": i % 5 + 1 for i in range(320)}
    last = Sku.objects.get(sku_code="BIG-319")
    stock_reserve(
        store_id=shop.a.pk,
        lines=[ReserveLine(last.pk, 2)],
        kind="pickup",
        reference="O-BIG",
        expires_at=LATER,
        at=T0,
    )
    before = snapshot()
    with pytest.raises(ApplicationError) as exc:
        load(shop.a, {f"BIG-{i:03d}": 1 for i in range(320)}, mode="replace")
    assert (exc.value.code, exc.value.extra["sku"]) == ("stock_below_reserved", "BIG-319")
    assert [p["index"] for p in exc.value.extra["problems"]] == [319]
    assert snapshot() == before  # the first two batches were written, then rolled back
