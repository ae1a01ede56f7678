"""The fast path of the orders import (ADR 36): ids drawn from the table's sequence, the
foreign keys' row triggers replaced by a set-based lock of the referenced rows, and the same
rows written when the role may not turn row triggers off."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection

from omniloop.bulkimport import orders as bulk_orders
from omniloop.bulkimport.dialect import without_row_triggers
from omniloop.core.errors import Conflict
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import Store
from tests.bulkimport.helpers import run, write
from tests.bulkimport.test_import_orders import HEADER, expected_orders, lines, stored_orders
from tests.bulkimport.test_import_orders import world as world

pytestmark = pytest.mark.django_db


def test_new_orders_take_ids_by_store_and_time_and_the_sequence_moves_on(tmp_path, world):
    run("orders", write(tmp_path / "o.csv", HEADER, lines()))
    ids = list(Order.objects.order_by("id").values_list("receipt_no", "store__code"))
    # By store (tk01 was created first), then time: R3 in January, R1 (tmall) in March, R2 in
    # July, R4 in December; not the file's order (R1, R2, R3, R1, R4).
    assert ids == [("R1", "tk01"), ("R3", "ny01"), ("R1", "ny01"), ("R2", "ny01"), ("R4", "ny01")]
    last = Order.objects.order_by("-id").values_list("id", flat=True)[0]
    store = Store.objects.get(code="tk01")
    till = Order.objects.get(receipt_no="R1", store=store).channel
    placed = Order.objects.create(
        number="AFTER-IMPORT", channel=till, store=store, total=Decimal("1"),
        ordered_at=datetime(2024, 8, 1, tzinfo=UTC),
    )  # fmt: skip
    assert placed.id > last
    assert set(OrderLine.objects.values_list("order_id", flat=True)) <= set(
        Order.objects.values_list("id", flat=True)
    )


def test_with_row_triggers_kept_the_same_rows_are_written(tmp_path, world, monkeypatch):
    monkeypatch.setattr(bulk_orders, "without_row_triggers", lambda *tables: False)
    result = run("orders", write(tmp_path / "o.csv", HEADER, lines()))
    assert (result.created, result.extra["lines_written"]) == (5, 6)
    got, want = stored_orders(), expected_orders(lines())
    assert set(got) == set(want)
    for key, o in want.items():
        assert (got[key]["total"], got[key]["discount"], got[key]["lines"]) == (
            o["total"],
            o["discount"],
            sorted(o["lines"]),
        ), key
    again = run("orders", write(tmp_path / "o.csv", HEADER, lines()))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)


@pytest.mark.postgres
def test_row_triggers_come_back_on_after_the_inserts(tmp_path, world):
    run("orders", write(tmp_path / "o.csv", HEADER, lines()))
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone()[0] == "origin"


@pytest.mark.postgres
def test_a_reference_deleted_during_the_import_aborts_it(world):
    assert without_row_triggers("orders_order")  # the test database's role may (a superuser)
    bulk_orders.row_triggers_on()
    store = Store.objects.get(code="tk01")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE lock_o AS SELECT CAST(%s AS bigint) AS store_id, "
            "CAST(NULL AS bigint) AS channel_id, CAST(NULL AS bigint) AS member_id",
            [store.pk],
        )
        cursor.execute("CREATE TEMP TABLE lock_t AS SELECT CAST(NULL AS bigint) AS sku_id")
    bulk_orders._lock_references('"lock_t"', '"lock_o"')  # all there: locked, no error
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO lock_o (store_id) VALUES (%s)", [store.pk + 10_000])
    with pytest.raises(Conflict) as info:
        bulk_orders._lock_references('"lock_t"', '"lock_o"')
    assert info.value.code == "import_references_changed"


@pytest.mark.postgres
def test_a_table_with_a_trigger_of_its_own_keeps_its_row_triggers(world):
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION bulk_test_noop() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER bulk_test_noop BEFORE INSERT ON orders_orderline "
            "FOR EACH ROW EXECUTE FUNCTION bulk_test_noop()"
        )
    assert not without_row_triggers("orders_order", "orders_orderline")
    assert without_row_triggers("orders_order")
    bulk_orders.row_triggers_on()
