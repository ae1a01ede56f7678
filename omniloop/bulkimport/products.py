"""Products and SKUs, one row per SKU: `sku_ref` -> `Sku.sku_code`, `product_ref` ->
`Product.style_code` (a row without one is a one-SKU product named by its sku_ref). A product
is created or updated from the first row that names it; categories are created from their code
when missing. A SKU without a `barcode` column value gets a stable derived one:
"IM" + the first 14 hex digits of MD5("sku:" + sku_ref), upper case."""

from __future__ import annotations

from omniloop.bulkimport.common import duplicates, report
from omniloop.bulkimport.dialect import concat, date_value, distinct, matches, md5_hex, qn
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.staging import Staging, drop, temp_name
from omniloop.bulkimport.typed import (
    AMOUNT_RE,
    SLUG_RE,
    Col,
    analyze,
    build,
    collect,
    column_of,
    execute,
    insert_sql,
    max_length,
    table_of,
)
from omniloop.bulkimport.values import ImportResult
from omniloop.catalog.models import Category, Product, Sku
from omniloop.core import clock

PRODUCT_FIELDS = ("name", "department", "brand", "list_price", "launched_on", "category_id")
SKU_FIELDS = ("product_id", "size", "color", "barcode")


def derived_barcode(sku_ref: str) -> str:
    """The barcode given to an imported SKU without one (the SQL below computes the same)."""
    import hashlib

    return (
        "IM"
        + hashlib.md5(f"sku:{sku_ref}".encode(), usedforsecurity=False).hexdigest()[:14].upper()
    )


def _slug(raw: str, limit: int) -> str:
    return (
        f"CASE WHEN length({raw}) > {limit} THEN 'too_long' "
        f"WHEN NOT {matches(raw, SLUG_RE)} THEN 'slug_invalid' END"
    )


def _text(raw: str, model: type, field: str) -> str:
    return f"CASE WHEN length({raw}) > {max_length(model, field)} THEN 'too_long' END"


def _cols(staging: Staging) -> list[Col]:
    v = staging.col
    sku, product, cat = v("sku_ref"), v("product_ref"), v("category")
    price, launched, barcode = v("list_price"), v("launched_at"), v("barcode")
    key = f"COALESCE({product}, {sku})"
    price_value = f"(CASE WHEN {matches(price, AMOUNT_RE)} THEN CAST({price} AS numeric) END)"
    launched_value = date_value(launched)
    digest = md5_hex(concat("'sku:'", sku))
    derived = concat("'IM'", f"UPPER(SUBSTR({digest}, 1, 14))")
    return [
        Col(
            "sku_ref",
            sku,
            f"CASE WHEN {sku} IS NULL THEN 'required' "
            f"WHEN length({sku}) > {max_length(Sku, 'sku_code')} THEN 'too_long' "
            f"WHEN NOT {matches(sku, SLUG_RE)} THEN 'slug_invalid' END",
            "sku_ref",
        ),
        Col("sku_id", "k.id"),
        Col("product_ref", key, _slug(key, max_length(Product, "style_code")), "product_ref"),
        Col("product_id", "p.id"),
        Col("category", cat, _slug(cat, max_length(Category, "code")), "category"),
        Col("name", v("name"), _text(v("name"), Product, "name"), "name"),
        Col(
            "department",
            v("department"),
            _text(v("department"), Product, "department"),
            "department",
        ),
        Col("brand", v("brand"), _text(v("brand"), Product, "brand"), "brand"),
        Col(
            "list_price",
            price_value,
            f"CASE WHEN {price} IS NOT NULL AND {price_value} IS NULL THEN 'amount_invalid' END",
            "list_price",
        ),
        Col("size", v("size"), _text(v("size"), Sku, "size"), "size"),
        Col("color", v("color"), _text(v("color"), Sku, "color"), "color"),
        Col(
            "launched_on",
            launched_value,
            f"CASE WHEN {launched} IS NOT NULL AND {launched_value} IS NULL "
            "THEN 'date_invalid' END",
            "launched_at",
        ),
        Col(
            "barcode",
            f"COALESCE({barcode}, k.barcode, {derived})",
            _text(barcode, Sku, "barcode"),
            "barcode",
        ),
        Col("barcode_given", barcode),
    ]


def import_products(staging: Staging, problems: Problems) -> ImportResult | None:
    v = staging.col
    cols = _cols(staging)
    joins = (
        f"LEFT JOIN {table_of(Sku)} k ON k.sku_code = {v('sku_ref')} "
        f"LEFT JOIN {table_of(Product)} p ON p.style_code = "
        f"COALESCE({v('product_ref')}, {v('sku_ref')})"
    )
    t = build(staging, cols, joins)
    try:
        collect(staging, t, cols, problems)
        duplicates(staging, t, "sku_ref", "sku_ref", problems)
        duplicates(staging, t, "barcode_given", "barcode", problems)
        first = qn(temp_name("p"))
        execute(
            f"CREATE TEMP TABLE {first} AS SELECT t.* FROM {t} t WHERE t.row_no IN "  # noqa: S608
            f"(SELECT MIN(row_no) FROM {t} GROUP BY product_ref)"
        )
        analyze(first)
        try:
            _check_new_products(staging, first, problems)
            _check_barcodes(staging, t, problems)
            if problems:
                return None
            return _apply(t, first, staging.rows)
        finally:
            drop(first)
    finally:
        drop(t)


def _check_new_products(staging: Staging, first: str, problems: Problems) -> None:
    """A new product needs its name, category and list price on its first row."""
    for column, field in (("name", "name"), ("category", "category"), ("list_price", "list_price")):
        where = f"f.product_id IS NULL AND f.{field} IS NULL AND f.e_{field} IS NULL"
        rows = f"FROM {first} f WHERE {where}"
        report(staging, rows, "f.row_no", "f.product_ref", column, "required_for_new", problems)


def _check_barcodes(staging: Staging, t: str, problems: Problems) -> None:
    sku = table_of(Sku)
    where = (
        f"EXISTS (SELECT 1 FROM {sku} b WHERE b.barcode = f.barcode "  # noqa: S608
        "AND (f.sku_id IS NULL OR b.id <> f.sku_id))"
    )
    report(staging, f"FROM {t} f WHERE {where}", "f.row_no", "f.barcode", "barcode",
           "barcode_taken", problems)  # fmt: skip


def _apply(t: str, first: str, rows: int) -> ImportResult:
    now = clock.now()
    result = ImportResult(kind="products", rows=rows)
    category, product, sku = table_of(Category), table_of(Product), table_of(Sku)
    ccols, cexprs = insert_sql(
        Category, {"code": "c.code", "name": "c.code", "name_en": "''", "parent": "NULL"}
    )
    categories = execute(
        f"INSERT INTO {category} ({ccols}) SELECT {cexprs} FROM "  # noqa: S608
        f"(SELECT DISTINCT category AS code FROM {first} WHERE category IS NOT NULL) c "
        f"WHERE NOT EXISTS (SELECT 1 FROM {category} x WHERE x.code = c.code)"
    )
    cat_of = f"(SELECT x.id FROM {category} x WHERE x.code = f.category)"  # noqa: S608
    # Products: update those the file changes, then create the new ones.
    src = {
        "name": "f.name",
        "department": "f.department",
        "brand": "f.brand",
        "list_price": "f.list_price",
        "launched_on": "f.launched_on",
        "category_id": cat_of,
    }
    col = {f: column_of(Product, f.removesuffix("_id")) for f in PRODUCT_FIELDS}
    sets = ", ".join(f"{col[f]} = COALESCE({src[f]}, {product}.{col[f]})" for f in PRODUCT_FIELDS)
    differs = " OR ".join(
        f"({src[f]} IS NOT NULL AND {distinct(src[f], product + '.' + col[f])})"
        for f in PRODUCT_FIELDS
    )
    products_updated = execute(
        f"UPDATE {product} SET {sets} FROM {first} f "  # noqa: S608
        f"WHERE {product}.id = f.product_id AND ({differs})"
    )
    pcols, pexprs = insert_sql(
        Product,
        {
            "style_code": "f.product_ref",
            "name": "f.name",
            "name_en": "''",
            "description": "''",
            "description_en": "''",
            "category": cat_of,
            "material": "''",
            "material_en": "''",
            "origin": "''",
            "origin_en": "''",
            "care": "''",
            "care_en": "''",
            "list_price": "f.list_price",
            "status": f"'{Product.Status.ACTIVE}'",
            "launched_on": "f.launched_on",
            "department": "COALESCE(f.department, '')",
            "brand": "COALESCE(f.brand, '')",
            "created_at": "%s",
        },
    )
    products_created = execute(
        f"INSERT INTO {product} ({pcols}) SELECT {pexprs} FROM {first} f "  # noqa: S608
        "WHERE f.product_id IS NULL ORDER BY f.row_no",
        [now],
    )
    # SKUs, pointing at their product by its code (it exists now).
    prod_of = f"(SELECT y.id FROM {product} y WHERE y.style_code = t.product_ref)"  # noqa: S608
    ssrc = {"product_id": prod_of, "size": "t.size", "color": "t.color", "barcode": "t.barcode"}
    scol = {f: column_of(Sku, f.removesuffix("_id")) for f in SKU_FIELDS}
    ssets = ", ".join(f"{scol[f]} = COALESCE({ssrc[f]}, {sku}.{scol[f]})" for f in SKU_FIELDS)
    sdiff = " OR ".join(
        f"({ssrc[f]} IS NOT NULL AND {distinct(ssrc[f], sku + '.' + scol[f])})" for f in SKU_FIELDS
    )
    result.updated = execute(
        f"UPDATE {sku} SET {ssets} FROM {t} t WHERE {sku}.id = t.sku_id AND ({sdiff})"  # noqa: S608
    )
    kcols, kexprs = insert_sql(
        Sku,
        {
            "product": prod_of,
            "sku_code": "t.sku_ref",
            "barcode": "t.barcode",
            "size": "COALESCE(t.size, '')",
            "color": "COALESCE(t.color, '')",
            "color_en": "''",
            "active": "%s",
        },
    )
    result.created = execute(
        f"INSERT INTO {sku} ({kcols}) SELECT {kexprs} FROM {t} t "  # noqa: S608
        "WHERE t.sku_id IS NULL ORDER BY t.row_no",
        [True],
    )
    result.unchanged = rows - result.created - result.updated
    result.extra = {
        "categories_created": categories,
        "products_created": products_created,
        "products_updated": products_updated,
    }
    return result
