"""The offer index's stamp (ADR 47): triggers on every table the index is built from change it on
any write, whoever makes it, and the index follows."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from omniloop.promotions import offer_index
from omniloop.promotions.models import OfferIndexStamp
from tests.factories import make_product
from tests.promotions.pricing_helpers import live_offer, make_shop, till_quote

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module("omniloop.promotions.migrations.0006_offer_index_stamp")


def stamp() -> int | None:
    return OfferIndexStamp.objects.values_list("stamp", flat=True).first()


def raw(sql: str, params: list | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])


def triggers_on(table: str) -> list[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table]
            )
        return sorted(name for (name,) in cursor.fetchall() if "offer_index" in name)


def test_the_migration_watches_exactly_the_tables_the_index_is_built_from():
    assert set(MIGRATION.WATCHED) == set(offer_index.WATCHED_TABLES)
    assert len(offer_index.WATCHED_TABLES) == 7


@pytest.mark.parametrize("table", offer_index.WATCHED_TABLES)
def test_every_watched_table_carries_its_triggers(table):
    """A later migration that rebuilds one of these tables (SQLite's ALTER does) would drop
    them silently: this fails first."""
    expected = (
        [f"{table}_offer_index"]
        if connection.vendor == "postgresql"
        else sorted(f"{table}_offer_index_{op}" for op in ("delete", "insert", "update"))
    )
    assert triggers_on(table) == expected


def test_raw_writes_to_each_kind_of_watched_row_change_the_stamp():
    shop = make_shop()
    offer = live_offer(name="o", kind="amount_off", params={"amount": 100})
    seen = {stamp()}
    steps = [
        ("UPDATE promotions_offer SET name = name WHERE id = %s", [offer.pk]),
        (
            "INSERT INTO promotions_offer_products (offer_id, product_id) VALUES (%s, %s)",
            [offer.pk, shop.tee.pk],
        ),
        ("DELETE FROM promotions_offer_products WHERE offer_id = %s", [offer.pk]),
        ("UPDATE catalog_category SET name = name", []),
    ]
    for sql, params in steps:
        raw(sql, params)
        now = stamp()
        assert now is not None and now not in seen, sql
        seen.add(now)


def test_writes_elsewhere_leave_the_stamp_alone():
    make_shop()
    before = stamp()
    make_product("XX900", price="10.00")  # a product is not what the index is built from
    raw("UPDATE catalog_product SET name = name")
    assert stamp() == before


def test_a_raw_update_that_leaves_updated_at_alone_is_seen_by_the_next_quote():
    """The counting fingerprint missed this one (ADR 8's MAX_AGE safety net caught it a minute
    later); the triggers see every write."""
    shop = make_shop()
    offer = live_offer(name="¥10", kind="amount_off", params={"amount": 1000})
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 1000
    generation = offer_index._generation
    raw(
        "UPDATE promotions_offer SET params = %s WHERE id = %s",
        ['{"amount": 300}', offer.pk],
    )
    assert offer_index._generation == generation  # no signal: only the stamp can tell
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 300
    raw("DELETE FROM promotions_offer WHERE id = %s", [offer.pk])
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 0


def test_a_rolled_back_write_never_leaves_a_stamp_a_later_write_repeats():
    """An index built inside a transaction that rolled back carries that transaction's stamp:
    a later, different change must not reproduce it (it would pass for the stale index)."""
    shop = make_shop()
    offer = live_offer(name="o", kind="amount_off", params={"amount": 100})
    rolled_back = []
    for _ in range(3):
        with pytest.raises(RuntimeError), transaction.atomic():
            raw("UPDATE promotions_offer SET name = 'x' WHERE id = %s", [offer.pk])
            rolled_back.append(stamp())
            till_quote(shop, [("JK100-M", 1)])
            raise RuntimeError
    raw("UPDATE promotions_offer SET name = 'y' WHERE id = %s", [offer.pk])
    assert stamp() not in rolled_back
    assert len(set(rolled_back)) == 3


def test_a_quote_reads_one_row_for_freshness():
    shop = make_shop()
    live_offer(name="o", kind="amount_off", params={"amount": 100})
    till_quote(shop, [("JK100-M", 1)])
    with CaptureQueriesContext(connection) as ctx:
        till_quote(shop, [("JK100-M", 1)])
    fresh = [q["sql"] for q in ctx.captured_queries if "offer" in q["sql"]]
    assert fresh == [offer_index._STAMP_SQL], fresh
