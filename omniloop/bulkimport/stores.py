"""Stores, upserted by `store_ref` (-> `Store.code`). An empty cell keeps the stored value; a
new store without a time zone gets the brand's."""

from __future__ import annotations

from omniloop.bulkimport.common import duplicates, zone_table
from omniloop.bulkimport.dialect import distinct, matches
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.staging import Staging, drop
from omniloop.bulkimport.typed import (
    COORD_RE,
    SLUG_RE,
    Col,
    build,
    collect,
    column_of,
    execute,
    insert_sql,
    max_length,
    scalar,
    table_of,
)
from omniloop.bulkimport.values import ImportResult
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.stores.models import Store

FIELDS = ("name", "city", "latitude", "longitude", "type", "timezone")


def _coord(raw: str, limit: int) -> tuple[str, str]:
    value = f"(CASE WHEN {matches(raw, COORD_RE)} THEN CAST({raw} AS numeric) END)"
    error = (
        f"CASE WHEN {raw} IS NOT NULL AND ({value} IS NULL OR {value} < -{limit} "
        f"OR {value} > {limit}) THEN 'coordinate_invalid' END"
    )
    return value, error


def _cols(staging: Staging) -> list[Col]:
    v = staging.col
    ref, name, city, kind, zone = (
        v("store_ref"),
        v("name"),
        v("city"),
        v("type"),
        v("timezone"),
    )
    lat, lat_err = _coord(v("latitude"), 90)
    lon, lon_err = _coord(v("longitude"), 180)
    types = ", ".join(f"'{t}'" for t in Store.Type.values)
    ref_len = max_length(Store, "code")
    return [
        Col(
            "store_ref",
            ref,
            f"CASE WHEN {ref} IS NULL THEN 'required' WHEN length({ref}) > {ref_len} "
            f"THEN 'too_long' WHEN NOT {matches(ref, SLUG_RE)} THEN 'slug_invalid' END",
            "store_ref",
        ),
        Col("store_id", "st.id"),
        Col(
            "name",
            name,
            f"CASE WHEN {name} IS NULL AND st.id IS NULL THEN 'required_for_new' "
            f"WHEN length({name}) > {max_length(Store, 'name')} THEN 'too_long' END",
            "name",
        ),
        Col(
            "city",
            city,
            f"CASE WHEN length({city}) > {max_length(Store, 'city')} THEN 'too_long' END",
            "city",
        ),
        Col("latitude", lat, lat_err, "latitude"),
        Col("longitude", lon, lon_err, "longitude"),
        Col(
            "type",
            f"LOWER({kind})",
            f"CASE WHEN {kind} IS NOT NULL AND LOWER({kind}) NOT IN ({types}) "
            "THEN 'choice_invalid' END",
            "type",
        ),
        Col(
            "timezone",
            zone,
            f"CASE WHEN {zone} IS NOT NULL AND z.name IS NULL THEN 'timezone_invalid' END",
            "timezone",
        ),
    ]


def import_stores(staging: Staging, problems: Problems) -> ImportResult | None:
    zones = zone_table()
    cols = _cols(staging)
    joins = (
        f"LEFT JOIN {table_of(Store)} st ON st.code = {staging.col('store_ref')} "
        f"LEFT JOIN {zones} z ON z.name = {staging.col('timezone')}"
    )
    try:
        t = build(staging, cols, joins)
    finally:
        drop(zones)
    try:
        collect(staging, t, cols, problems)
        duplicates(staging, t, "store_ref", "store_ref", problems)
        if problems:
            return None
        return _apply(t, staging.rows)
    finally:
        drop(t)


def _apply(t: str, rows: int) -> ImportResult:
    store = table_of(Store)
    result = ImportResult(kind="stores", rows=rows)
    sets = ", ".join(
        f"{column_of(Store, f)} = COALESCE(t.{f}, {store}.{column_of(Store, f)})" for f in FIELDS
    )
    differs = " OR ".join(
        f"(t.{f} IS NOT NULL AND {distinct('t.' + f, store + '.' + column_of(Store, f))})"
        for f in FIELDS
    )
    result.updated = execute(
        f"UPDATE {store} SET {sets} FROM {t} t "  # noqa: S608
        f"WHERE {store}.id = t.store_id AND ({differs})"
    )
    cols, exprs = insert_sql(
        Store,
        {
            "code": "t.store_ref",
            "name": "t.name",
            "name_en": "''",
            "city": "COALESCE(t.city, '')",
            "address": "''",
            "latitude": "t.latitude",
            "longitude": "t.longitude",
            "type": f"COALESCE(t.type, '{Store.Type.DIRECT}')",
            "timezone": "COALESCE(t.timezone, %s)",
            "opened_on": "NULL",
            "status": f"'{Store.Status.OPEN}'",
            "created_at": "%s",
        },
    )
    result.created = execute(
        f"INSERT INTO {store} ({cols}) SELECT {exprs} FROM {t} t "  # noqa: S608
        "WHERE t.store_id IS NULL ORDER BY t.row_no",
        [brand_settings().timezone, clock.now()],
    )
    result.unchanged = int(scalar(f"SELECT COUNT(*) FROM {t}")) - result.created - result.updated  # noqa: S608
    return result
