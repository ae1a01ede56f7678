from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core.errors import ApplicationError
from omniloop.inventory.models import StockLevel, StockMovement, StockReservation
from omniloop.inventory.services import (
    ReserveLine,
    StockInsufficient,
    stock_consume,
    stock_release,
    stock_release_expired,
    stock_reservation_extend,
    stock_reserve,
)
from tests.inventory.helpers import LATER, T0, level, load, snapshot

pytestmark = pytest.mark.django_db


def reserve(shop, lines, reference="O-1", kind="pickup", store=None, expires_at=LATER, at=T0):
    return stock_reserve(
        store_id=(store or shop.a).pk,
        lines=[ReserveLine(shop.skus[code].pk, q) for code, q in lines.items()],
        kind=kind,
        reference=reference,
        expires_at=expires_at,
        at=at,
    )


def test_reserve_holds_every_line(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 2})
    result = reserve(shop, {"JK1-S": 2, "JK1-M": 2})
    assert (result.status, result.quantity, result.replayed) == ("held", 4, False)
    assert level(shop.a, "JK1-S") == (5, 2)
    assert level(shop.a, "JK1-M") == (2, 2)
    assert StockMovement.objects.filter(kind="reserve").count() == 2


def test_a_retried_reserve_replays(shop):
    load(shop.a, {"JK1-S": 5})
    first = reserve(shop, {"JK1-S": 2})
    again = reserve(shop, {"JK1-S": 2})
    assert again.replayed and again.lines == first.lines
    assert level(shop.a, "JK1-S") == (5, 2)
    assert StockReservation.objects.count() == 1


def test_short_stock_refuses_every_line_and_names_the_sku(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 1})
    reserve(shop, {"JK1-M": 1}, reference="O-0")
    before = snapshot()
    with pytest.raises(StockInsufficient) as exc:
        reserve(shop, {"JK1-S": 2, "JK1-M": 1, "JK1-L": 1})
    assert exc.value.status == 409
    assert exc.value.code == "stock_insufficient"
    assert (exc.value.extra["sku"], exc.value.extra["available"]) == ("JK1-M", 0)
    assert [(s["sku"], s["available"]) for s in exc.value.extra["shortages"]] == [
        ("JK1-M", 0),
        ("JK1-L", 0),
    ]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "mystery"}, "reservation_kind_invalid"),
        ({"reference": ""}, "reference_invalid"),
        ({"reference": " O-1"}, "reference_invalid"),
        ({"expires_at": T0}, "expires_at_invalid"),
        ({"expires_at": LATER.replace(tzinfo=None)}, "expires_at_invalid"),
        ({"lines": {}}, "lines_invalid"),
        ({"lines": {"JK1-S": 0}}, "quantity_invalid"),
        ({"lines": {"JK1-S": 10_000}}, "quantity_invalid"),
    ],
)
def test_invalid_reserves_write_nothing(shop, change, code):
    load(shop.a, {"JK1-S": 5})
    before = snapshot()
    kwargs = {"lines": {"JK1-S": 1}, **change}
    with pytest.raises(ApplicationError) as exc:
        reserve(shop, **kwargs)
    assert (exc.value.code, exc.value.status) == (code, 422)
    assert snapshot() == before


def test_unknown_store_and_sku(shop):
    with pytest.raises(ApplicationError) as exc:
        stock_reserve(
            store_id=999_999,
            lines=[ReserveLine(shop.skus["JK1-S"].pk, 1)],
            kind="pickup",
            reference="O-1",
            expires_at=None,
        )
    assert exc.value.code == "store_not_found"
    with pytest.raises(ApplicationError) as exc:
        stock_reserve(
            store_id=shop.a.pk,
            lines=[ReserveLine(999_999, 1)],
            kind="pickup",
            reference="O-1",
            expires_at=None,
        )
    assert exc.value.code == "sku_not_found"
    assert not StockReservation.objects.exists()


def test_same_reference_other_lines_conflicts(shop):
    load(shop.a, {"JK1-S": 5})
    load(shop.b, {"JK1-S": 5})
    reserve(shop, {"JK1-S": 1})
    before = snapshot()
    for kwargs in ({"lines": {"JK1-S": 2}}, {"lines": {"JK1-S": 1}, "store": shop.b}):
        with pytest.raises(ApplicationError) as exc:
            reserve(shop, **kwargs)
        assert exc.value.code == "reservation_reference_conflict"
    assert snapshot() == before
    # another kind is another reference space
    assert reserve(shop, {"JK1-S": 1}, kind="endless_aisle").status == "held"


def test_release_gives_units_back_once(shop):
    load(shop.a, {"JK1-S": 5})
    reserve(shop, {"JK1-S": 3})
    result = stock_release(reference="O-1", kind="pickup", at=T0)
    assert (result.status, result.replayed) == ("released", False)
    assert level(shop.a, "JK1-S") == (5, 0)
    again = stock_release(reference="O-1", kind="pickup", at=T0)
    assert again.replayed
    assert level(shop.a, "JK1-S") == (5, 0)
    with pytest.raises(ApplicationError) as exc:
        reserve(shop, {"JK1-S": 3})
    assert exc.value.code == "reservation_closed"
    with pytest.raises(ApplicationError) as exc:
        stock_consume(reference="O-1", kind="pickup", at=T0)
    assert exc.value.code == "reservation_released"


def test_consume_takes_units_out_of_the_store(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 1})
    reserve(shop, {"JK1-S": 2, "JK1-M": 1})
    result = stock_consume(reference="O-1", kind="pickup", store_id=shop.a.pk, at=T0)
    assert (result.status, result.replayed) == ("consumed", False)
    assert level(shop.a, "JK1-S") == (3, 0)
    assert level(shop.a, "JK1-M") == (0, 0)
    assert stock_consume(reference="O-1", kind="pickup", at=T0).replayed
    assert level(shop.a, "JK1-S") == (3, 0)
    with pytest.raises(ApplicationError) as exc:
        stock_release(reference="O-1", kind="pickup", at=T0)
    assert exc.value.code == "reservation_consumed"


def test_consume_refusals_write_nothing(shop):
    load(shop.a, {"JK1-S": 5})
    reserve(shop, {"JK1-S": 2})
    before = snapshot()
    cases = [
        ({"reference": "O-404"}, "reservation_not_found"),
        ({"store_id": shop.b.pk}, "reservation_other_store"),
        ({"at": LATER}, "reservation_expired"),
    ]
    for change, code in cases:
        kwargs = {"reference": "O-1", "kind": "pickup", "at": T0, **change}
        with pytest.raises(ApplicationError) as exc:
            stock_consume(**kwargs)
        assert exc.value.code == code
        assert snapshot() == before
    with pytest.raises(ApplicationError) as exc:
        stock_release(reference="O-404", kind="pickup")
    assert exc.value.code == "reservation_not_found"


def test_expiry_sweep_releases_only_what_is_due(shop):
    load(shop.a, {"JK1-S": 9})
    reserve(shop, {"JK1-S": 2}, reference="due", expires_at=T0 + timedelta(minutes=10))
    reserve(shop, {"JK1-S": 3}, reference="later", expires_at=T0 + timedelta(days=1))
    reserve(shop, {"JK1-S": 1}, reference="open", expires_at=None)
    assert stock_release_expired(now=T0 + timedelta(minutes=5)) == 0
    assert stock_release_expired(now=T0 + timedelta(minutes=10), batch=1) == 1
    assert level(shop.a, "JK1-S") == (9, 4)
    statuses = dict(StockReservation.objects.values_list("reference", "status"))
    assert statuses == {"due": "released", "later": "held", "open": "held"}
    assert stock_release_expired(now=T0 + timedelta(minutes=10)) == 0
    assert StockMovement.objects.filter(kind="release", source="expired").count() == 1


def test_extend_moves_the_expiry_of_a_held_reservation(shop):
    load(shop.a, {"JK1-S": 9})
    reserve(shop, {"JK1-S": 2})
    new = T0 + timedelta(days=3)
    assert stock_reservation_extend(reference="O-1", kind="pickup", expires_at=new, at=T0)
    assert stock_release_expired(now=LATER) == 0
    assert StockReservation.objects.get().expires_at == new
    with pytest.raises(ApplicationError) as exc:
        stock_reservation_extend(reference="O-1", kind="pickup", expires_at=T0, at=T0)
    assert exc.value.code == "expires_at_invalid"
    stock_release(reference="O-1", kind="pickup")
    with pytest.raises(ApplicationError) as exc:
        stock_reservation_extend(reference="O-1", kind="pickup", expires_at=new, at=T0)
    assert exc.value.code == "reservation_closed"


def test_the_database_refuses_broken_numbers(shop):
    from django.db import IntegrityError, transaction

    load(shop.a, {"JK1-S": 2})
    row = StockLevel.objects.get()
    for change in ({"reserved": 3}, {"on_hand": -1}, {"reserved": -1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            StockLevel.objects.filter(pk=row.pk).update(**change)
