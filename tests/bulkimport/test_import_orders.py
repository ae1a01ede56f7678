from __future__ import annotations

import zoneinfo
from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import pytest

from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel
from tests.bulkimport.helpers import FORMATS, codes, rejected, run, write
from tests.factories import make_product, make_store

pytestmark = pytest.mark.django_db
HEADER = [
    "order_ref",
    "member_ref",
    "store_ref",
    "channel",
    "ordered_at",
    "sku_ref",
    "quantity",
    "amount",
    "discount",
    "cashier",
]


@pytest.fixture
def world(tmp_path):
    make_store("tk01", timezone="Asia/Tokyo")  # no DST
    make_store("ny01", timezone="America/New_York")  # not Shanghai, with DST
    make_product("JK1", sizes=("S", "M"))
    make_product("TE2", sizes=("S",))
    SalesChannel.objects.create(code="tmall", name="天猫", kind=SalesChannel.Kind.MARKETPLACE)
    write(tmp_path / "m.csv", ["member_ref", "name"], [["M1", "甲"], ["M2", "乙"]])
    run("members", tmp_path / "m.csv")


def lines() -> list[list[str]]:
    return [
        ["R1", "M1", "tk01", "", "2024-07-01 12:00:00", "JK1-S", "2", "700.00", "98.00", "a"],
        ["R1", "M1", "tk01", "", "2024-07-01 12:00:00", "TE2-S", "1", "199", "", "a"],
        ["R2", "", "ny01", "store", "2024-07-01T12:00:00", "JK1-M", "1", "399.00", "0", ""],
        ["R3", "M2", "ny01", "", "2024-01-15T09:30:00-05:00", "JK1-S", "3", "1000.01", "", ""],
        ["R1", "M2", "ny01", "tmall", "2024-03-10T02:30:00Z", "TE2-S", "1", "0.5", "0.49", ""],
        ["R4", "M2", "ny01", "", "2024-12-01 18:00", "TE2-S", "1", "10", "", ""],
    ]


def expected_orders(rows: list[list[str]]) -> dict[tuple[str, str, str], dict]:
    """An independent reading of the file: key -> header and sums, with Python's zoneinfo."""
    zone = {"tk01": "Asia/Tokyo", "ny01": "America/New_York"}
    out: dict[tuple[str, str, str], dict] = defaultdict(
        lambda: {"total": Decimal(0), "discount": Decimal(0), "lines": []}
    )
    for ref, member, store, channel, at, sku, qty, amount, discount, _ in rows:
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(zone[store]))
        o = out[(channel or "store-till" if channel != "store" else "store-till", store, ref)]
        o.update(member=member or None, at=parsed)
        o["total"] += Decimal(amount)
        o["discount"] += Decimal(discount or "0")
        o["lines"].append((sku, int(qty), Decimal(amount), Decimal(discount or "0")))
    return out


def stored_orders() -> dict[tuple[str, str, str], dict]:
    out = {}
    for o in Order.objects.select_related("channel", "store", "member"):
        out[(o.channel.code, o.store.code, o.receipt_no)] = {
            "member": o.member.external_ref if o.member else None,
            "at": o.ordered_at,
            "total": o.total,
            "discount": o.discount_total,
            "lines": [
                (ln.sku.sku_code, ln.quantity, ln.amount, ln.discount)
                for ln in o.lines.select_related("sku").order_by("sku__sku_code", "amount")
            ],
        }
    return out


@FORMATS
def test_orders_are_imported_as_completed_history(tmp_path, world, suffix):
    path = write(tmp_path / f"o{suffix}", HEADER, lines())
    result = run("orders", path)
    assert (result.rows, result.created, result.updated, result.unchanged) == (6, 5, 0, 0)
    assert result.extra["lines_written"] == 6
    want = expected_orders(lines())
    got = stored_orders()
    assert set(got) == set(want)
    for key, o in want.items():
        g = got[key]
        assert (g["member"], g["at"], g["total"], g["discount"]) == (
            o["member"],
            o["at"],
            o["total"],
            o["discount"],
        ), key
        assert g["lines"] == sorted(o["lines"]), key
    # Naive times are the store's local time: Tokyo has no DST, New York does (EDT in July).
    r1 = Order.objects.get(receipt_no="R1", store__code="tk01")
    assert r1.ordered_at == datetime(2024, 7, 1, 3, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    r2 = Order.objects.get(receipt_no="R2")
    assert r2.ordered_at == datetime(2024, 7, 1, 16, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    r4 = Order.objects.get(receipt_no="R4")
    assert r4.ordered_at == datetime(2024, 12, 1, 23, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))
    for o in Order.objects.all():
        assert (o.flow, o.status, o.credit_rule) == ("imported", "completed", "imported")
        assert o.credited_store_id == o.store_id and o.credited_assistant_id is None
        assert o.fulfilment == "in_store" and o.paid_at == o.ordered_at
    assert r1.channel.code == "store-till" and r2.channel.code == "store-till"
    line = OrderLine.objects.get(order=r1, sku__sku_code="JK1-S")
    assert line.unit_price == Decimal("399.00")  # (700 + 98) / 2
    again = run("orders", path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert OrderLine.objects.count() == 6


def test_a_changed_order_is_updated_and_its_lines_replaced(tmp_path, world):
    run("orders", write(tmp_path / "a.csv", HEADER, lines()))
    changed = [r[:] for r in lines()]
    changed[1][7] = "150"  # R1 at tk01: the second line's amount
    result = run("orders", write(tmp_path / "b.csv", HEADER, changed))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 4)
    want = expected_orders(changed)
    got = stored_orders()
    key = ("store-till", "tk01", "R1")
    assert got[key]["total"] == want[key]["total"] == Decimal("850.00")
    assert OrderLine.objects.count() == 6


def test_missing_optional_columns_are_empty(tmp_path, world):
    header = ["order_ref", "store_ref", "ordered_at", "sku_ref", "quantity", "amount"]
    result = run(
        "orders",
        write(tmp_path / "o.csv", header, [["X1", "tk01", "2024-01-01 10:00", "JK1-S", "1", "5"]]),
    )
    assert result.created == 1
    o = Order.objects.get()
    assert o.member_id is None and o.discount_total == 0 and o.channel.code == "store-till"


def test_bad_rows_write_nothing(tmp_path, world):
    bad = [
        ["B1", "NOPE", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["B2", "", "zz01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["B3", "", "tk01", "wechat", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["B4", "", "tk01", "", "2024-02-30 12:00", "JK1-S", "1", "1", "", ""],
        ["B5", "", "tk01", "", "2024-07-01 12:00", "XX-9", "1", "1", "", ""],
        ["B6", "", "tk01", "", "2024-07-01 12:00", "JK1-S", "0", "1", "", ""],
        ["B7", "", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "-1", "", ""],
        ["B8", "", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "1.234", ""],
        ["", "", "tk01", "", "", "JK1-S", "1", "1", "", ""],
        ["B9", "", "tk01", "", "2024-07-01 12:00", "XX-9", "1.5", "", "", ""],
        ["B10", "NOPE2", "tk01", "", "1 July 2024", "JK1-S", "1", "1", "", ""],
    ]
    extra = rejected("orders", write(tmp_path / "bad.csv", HEADER, bad))
    assert codes(extra) == {
        (2, "member_ref", "unknown_member"),
        (3, "store_ref", "unknown_store"),
        (4, "channel", "unknown_channel"),
        (5, "ordered_at", "datetime_invalid"),
        (6, "sku_ref", "unknown_sku"),
        (7, "quantity", "integer_invalid"),
        (8, "amount", "amount_invalid"),
        (9, "discount", "amount_invalid"),
        (10, "order_ref", "required"),
        (10, "ordered_at", "required"),
        (11, "sku_ref", "unknown_sku"),
        (11, "quantity", "integer_invalid"),
        (11, "amount", "required"),
        (12, "member_ref", "unknown_member"),
        (12, "ordered_at", "datetime_invalid"),
    }
    assert extra["total"] == 15
    assert extra["unknown"] == {
        "member_ref": ["NOPE", "NOPE2"],
        "store_ref": ["zz01"],
        "channel": ["wechat"],
        "sku_ref": ["XX-9"],
    }
    assert extra["unknown_total"]["sku_ref"] == 1
    assert not Order.objects.exists() and not OrderLine.objects.exists()


def test_lines_of_one_order_must_agree(tmp_path, world):
    bad = [
        ["R1", "M1", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["R1", "M2", "tk01", "", "2024-07-01 12:00", "JK1-M", "1", "1", "", ""],
        ["R2", "", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["R2", "", "tk01", "", "2024-07-01 12:05", "JK1-M", "1", "1", "", ""],
        ["R3", "M1", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""],
        ["R3", "", "tk01", "", "2024-07-01 12:00", "JK1-M", "1", "1", "", ""],
    ]
    extra = rejected("orders", write(tmp_path / "bad.csv", HEADER, bad))
    assert codes(extra) == {
        (2, "member_ref", "order_inconsistent"),
        (4, "ordered_at", "order_inconsistent"),
        (6, "member_ref", "order_inconsistent"),
    }
    assert not Order.objects.exists()


def test_a_till_order_with_the_same_receipt_is_not_overwritten(tmp_path, world):
    from omniloop.stores.models import Store
    from omniloop.stores.selectors import channel_for_store_till

    Order.objects.create(
        number="T1",
        channel=channel_for_store_till(),
        store=Store.objects.get(code="tk01"),
        receipt_no="R9",
        total=Decimal("5.00"),
        ordered_at=datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC")),
    )
    row = [["R9", "", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""]]
    extra = rejected("orders", write(tmp_path / "o.csv", HEADER, row))
    assert codes(extra) == {(2, "order_ref", "order_not_imported")}
    assert Order.objects.get().total == Decimal("5.00")


def test_parquet_with_typed_columns(tmp_path, world):
    """Brands' Parquet files carry timestamps, decimals and integers, not only strings."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    utc = zoneinfo.ZoneInfo("UTC")
    table = pa.table(
        {
            "order_ref": pa.array(["P1", "P1", "P2"]),
            "store_ref": pa.array(["tk01", "tk01", "ny01"]),
            "ordered_at": pa.array(
                [datetime(2024, 5, 1, 3, 4, 5, tzinfo=utc)] * 2
                + [datetime(2024, 5, 2, 10, 0, tzinfo=utc)],
                pa.timestamp("ns", tz="UTC"),
            ),
            "sku_ref": pa.array(["JK1-S", "TE2-S", "JK1-M"]),
            "quantity": pa.array([1, 2, 1], pa.int64()),
            "amount": pa.array(
                [Decimal("10.50"), Decimal("3.25"), Decimal("7.00")], pa.decimal128(12, 2)
            ),
            "discount": pa.array([None, Decimal("0.75"), None], pa.decimal128(10, 2)),
        }
    )
    pq.write_table(table, tmp_path / "typed.parquet")
    result = run("orders", tmp_path / "typed.parquet")
    assert (result.rows, result.created) == (3, 2)
    p1 = Order.objects.get(receipt_no="P1")
    assert p1.ordered_at == datetime(2024, 5, 1, 3, 4, 5, tzinfo=utc)
    assert (p1.total, p1.discount_total) == (Decimal("13.75"), Decimal("0.75"))
    assert Order.objects.get(receipt_no="P2").total == Decimal("7.00")


def test_a_too_long_ref_is_refused(tmp_path, world):
    row = [["R" * 65, "", "tk01", "", "2024-07-01 12:00", "JK1-S", "1", "1", "", ""]]
    extra = rejected("orders", write(tmp_path / "o.csv", HEADER, row))
    assert codes(extra) == {(2, "order_ref", "too_long")}
