from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from omniloop.core.errors import ApplicationError
from omniloop.inventory.csv_import import stock_import_csv
from omniloop.inventory.services import ReserveLine, stock_reserve
from tests.inventory.helpers import LATER, T0, level, load, snapshot

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> list[str]:
    return [line + "\n" for line in lines]


def test_a_good_file_loads_every_row(shop, tmp_path, capsys):
    barcode = shop.skus["JK1-M"].barcode
    path = tmp_path / "stock.csv"
    path.write_text(
        f"\ufeffstore_ref,sku_ref,on_hand\nsha,JK1-S,4\nshb,{barcode},2\n", encoding="utf-8"
    )
    call_command("inventory_import", str(path))
    assert "2 rows: 2 new, 2 changed, 0 unchanged." in capsys.readouterr().out
    assert (level(shop.a, "JK1-S"), level(shop.b, "JK1-M")) == ((4, 0), (2, 0))
    path.write_text("sku_ref,on_hand,store_ref\nJK1-S,-1,sha\n", encoding="utf-8")
    call_command("inventory_import", str(path), "--mode", "delta")
    assert level(shop.a, "JK1-S") == (3, 0)


def test_a_bad_file_writes_nothing_and_names_every_row(shop):
    load(shop.a, {"JK1-S": 1})
    before = snapshot()
    lines = _csv(
        "store_ref,sku_ref,on_hand",
        "sha,JK1-S,7",  # fine, but must not be written
        "sha,JK1-M,seven",
        "zzz,JK1-M,1",
        "sha,NOPE,1",
        "sha,JK1-S,2",
        "sha,JK1-L,1,extra",
        "shb,JK1-L,-4",
    )
    with pytest.raises(ApplicationError) as exc:
        stock_import_csv(lines=lines)
    assert exc.value.code == "csv_invalid"
    got = [(p["row"], p["code"], p["field"]) for p in exc.value.extra["problems"]]
    assert got == [
        (3, "on_hand_invalid", "on_hand"),
        (4, "store_unknown", "store_ref"),
        (5, "sku_unknown", "sku_ref"),
        (6, "row_duplicate", "sku_ref"),
        (7, "csv_row_invalid", ""),
        (8, "on_hand_invalid", "on_hand"),
    ]
    assert snapshot() == before


def test_parse_problems_alone_still_write_nothing(shop):
    with pytest.raises(ApplicationError) as exc:
        stock_import_csv(lines=_csv("store_ref,sku_ref,on_hand", "sha,JK1-S,3", "sha,JK1-M,x"))
    assert [p["row"] for p in exc.value.extra["problems"]] == [3]
    assert level(shop.a, "JK1-S") == (0, 0)


def test_header_problems(shop):
    with pytest.raises(ApplicationError) as exc:
        stock_import_csv(lines=_csv("store,sku_ref,on_hand", "sha,JK1-S,1"))
    got = [(p["code"], p["field"]) for p in exc.value.extra["problems"]]
    assert got == [("csv_column_missing", "store_ref"), ("csv_column_unknown", "store")]
    with pytest.raises(ApplicationError) as exc:
        stock_import_csv(lines=_csv("store_ref,sku_ref,on_hand"))
    assert exc.value.code == "stock_rows_empty"


def test_below_reserved_names_the_row(shop, tmp_path, capsys):
    load(shop.a, {"JK1-S": 3})
    stock_reserve(
        store_id=shop.a.pk,
        lines=[ReserveLine(shop.skus["JK1-S"].pk, 2)],
        kind="pickup",
        reference="O-1",
        expires_at=LATER,
        at=T0,
    )
    before = snapshot()
    path = tmp_path / "stock.csv"
    path.write_text("store_ref,sku_ref,on_hand\nsha,JK1-M,5\nsha,JK1-S,1\n", encoding="utf-8")
    with pytest.raises(CommandError, match="stock_below_reserved"):
        call_command("inventory_import", str(path))
    err = capsys.readouterr().err
    assert "row 3: stock_below_reserved (on_hand): JK1-S at sha: 1 on hand" in err
    assert snapshot() == before
