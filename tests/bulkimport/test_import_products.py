from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from omniloop.bulkimport.products import derived_barcode
from omniloop.catalog.models import Category, Product, Sku
from tests.bulkimport.helpers import FORMATS, codes, rejected, run, write
from tests.factories import make_product

pytestmark = pytest.mark.django_db
HEADER = [
    "sku_ref",
    "product_ref",
    "name",
    "category",
    "department",
    "brand",
    "list_price",
    "size",
    "color",
    "launched_at",
    "season",
]


def rows() -> list[list[str]]:
    return [
        [
            "JK1-S",
            "JK1",
            "夹克",
            "outer",
            "menswear",
            "Yijian",
            "599.00",
            "S",
            "黑",
            "2024-09-01",
            "AW",
        ],
        ["JK1-M", "JK1", "ignored", "tops", "", "", "1.00", "M", "黑", "", "AW"],
        ["TE9", "", "T恤", "tops", "kids", "", "99.5", "", "", "", ""],
    ]


@FORMATS
def test_products_skus_and_categories_from_rows(tmp_path, suffix):
    path = write(tmp_path / f"p{suffix}", HEADER, rows())
    result = run("products", path)
    assert (result.rows, result.created, result.updated, result.unchanged) == (3, 3, 0, 0)
    assert result.extra["categories_created"] == 2
    assert result.extra["products_created"] == 2
    jk = Product.objects.get(style_code="JK1")
    # The first row of a product decides its fields.
    assert (jk.name, jk.category.code, jk.department, jk.brand) == (
        "夹克",
        "outer",
        "menswear",
        "Yijian",
    )
    assert jk.list_price == Decimal("599.00") and jk.launched_on == date(2024, 9, 1)
    assert sorted(jk.skus.values_list("sku_code", "size", "color")) == [
        ("JK1-M", "M", "黑"),
        ("JK1-S", "S", "黑"),
    ]
    te = Product.objects.get(style_code="TE9")  # no product_ref: a one-SKU product
    assert te.list_price == Decimal("99.50") and te.skus.get().sku_code == "TE9"
    for sku in Sku.objects.all():
        assert sku.barcode == derived_barcode(sku.sku_code)
    again = run("products", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.extra == {"categories_created": 0, "products_created": 0, "products_updated": 0}


def test_updates_keep_what_the_file_leaves_empty(tmp_path):
    run("products", write(tmp_path / "a.csv", HEADER, rows()))
    header = ["sku_ref", "product_ref", "list_price", "color", "barcode"]
    result = run(
        "products",
        write(tmp_path / "b.csv", header, [["JK1-S", "JK1", "549.00", "", "6900000000017"]]),
    )
    assert (result.created, result.updated, result.unchanged) == (0, 1, 0)
    assert result.extra["products_updated"] == 1
    jk = Product.objects.get(style_code="JK1")
    assert jk.list_price == Decimal("549.00") and jk.name == "夹克"
    sku = Sku.objects.get(sku_code="JK1-S")
    assert (sku.color, sku.barcode) == ("黑", "6900000000017")


def test_bad_rows_write_nothing(tmp_path):
    existing = make_product("OLD1")
    taken = existing.skus.first().barcode
    bad = [
        ["N1", "", "新品", "tops", "", "", "12.345", "", "", "", ""],
        ["N2", "", "", "tops", "", "", "10", "", "", "", ""],
        ["N3", "", "x", "", "", "", "10", "", "", "", ""],
        ["N4", "", "x", "tops", "", "", "", "", "", "", ""],
        ["N5", "", "x", "tops", "", "", "10", "", "", "2024-02-30", ""],
        ["N1", "", "x", "tops", "", "", "10", "", "", "", ""],
        ["N6", "", "x", "bad cat", "", "", "10", "", "", "", ""],
    ]
    header = [*HEADER, "barcode"]
    bad_rows = [[*r, ""] for r in bad] + [
        ["N7", "", "x", "tops", "", "", "1", "", "", "", "", taken]
    ]
    extra = rejected("products", write(tmp_path / "bad.csv", header, bad_rows))
    assert codes(extra) == {
        (2, "list_price", "amount_invalid"),
        (3, "name", "required_for_new"),
        (4, "category", "required_for_new"),
        (5, "list_price", "required_for_new"),
        (6, "launched_at", "date_invalid"),
        (7, "sku_ref", "duplicate_ref"),
        (8, "category", "slug_invalid"),
        (9, "barcode", "barcode_taken"),
    }
    assert extra["total"] == 8
    assert Product.objects.count() == 1 and Category.objects.count() == 1
