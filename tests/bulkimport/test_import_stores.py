from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.core.brand import brand_settings
from omniloop.stores.models import Store
from tests.bulkimport.helpers import FORMATS, codes, rejected, run, write

pytestmark = pytest.mark.django_db
HEADER = ["store_ref", "name", "city", "latitude", "longitude", "type", "timezone", "manager"]


@FORMATS
def test_stores_are_created_then_unchanged(tmp_path, suffix):
    rows = [
        ["sh01", "静安店", "上海", "31.2304", "121.4737", "flagship", "Asia/Shanghai", "Li"],
        ["tk01", "Ginza", "Tokyo", "35.6717", "139.7650", "direct", "Asia/Tokyo", "Sato"],
        ["ny01", "SoHo", "New York", "", "", "", "", ""],
    ]
    path = write(tmp_path / f"stores{suffix}", HEADER, rows)
    first = run("stores", path)
    assert (first.rows, first.created, first.updated, first.unchanged) == (3, 3, 0, 0)
    sh = Store.objects.get(code="sh01")
    assert (sh.name, sh.city, sh.type, sh.timezone) == (
        "静安店",
        "上海",
        "flagship",
        "Asia/Shanghai",
    )
    assert sh.latitude == Decimal("31.2304") and sh.longitude == Decimal("121.4737")
    ny = Store.objects.get(code="ny01")
    assert ny.timezone == brand_settings().timezone and ny.type == Store.Type.DIRECT
    assert ny.latitude is None
    again = run("stores", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_changed_field_updates_and_empty_cells_keep_values(tmp_path):
    write(tmp_path / "a.csv", HEADER, [["sh01", "静安店", "上海", "31.1", "121.4", "", "", ""]])
    run("stores", tmp_path / "a.csv")
    write(tmp_path / "b.csv", ["store_ref", "city"], [["sh01", "上海市"]])
    result = run("stores", tmp_path / "b.csv")
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    sh = Store.objects.get(code="sh01")
    assert (sh.name, sh.city, sh.latitude) == ("静安店", "上海市", Decimal("31.100000"))


def test_bad_rows_write_nothing_and_are_reported(tmp_path):
    rows = [
        ["ok01", "好店", "上海", "", "", "", "", ""],
        ["bad ref", "x", "", "", "", "", "", ""],
        ["b2", "", "", "", "", "", "", ""],
        ["b3", "x", "", "91", "", "", "", ""],
        ["b4", "x", "", "", "-181", "", "", ""],
        ["b5", "x", "", "", "", "kiosk", "", ""],
        ["b6", "x", "", "", "", "", "Mars/Olympus", ""],
        ["ok01", "again", "", "", "", "", "", ""],
        ["", "x", "", "", "", "", "", ""],
        ["b7", "x", "", "1.1234567", "", "", "", ""],
    ]
    extra = rejected("stores", write(tmp_path / "bad.csv", HEADER, rows))
    assert codes(extra) == {
        (3, "store_ref", "slug_invalid"),
        (4, "name", "required_for_new"),
        (5, "latitude", "coordinate_invalid"),
        (6, "longitude", "coordinate_invalid"),
        (7, "type", "choice_invalid"),
        (8, "timezone", "timezone_invalid"),
        (9, "store_ref", "duplicate_ref"),
        (10, "store_ref", "required"),
        (11, "latitude", "coordinate_invalid"),
    }
    assert extra["total"] == 9
    assert not Store.objects.exists()


def test_missing_required_column_is_refused(tmp_path):
    from omniloop.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as info:
        run("stores", write(tmp_path / "x.csv", ["name"], [["a"]]))
    assert info.value.code == "import_columns_missing"
