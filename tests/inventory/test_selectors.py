from __future__ import annotations

import pytest

from omniloop.accounts.access import Actor
from omniloop.core.errors import NotFound
from omniloop.core.periodic import periodic_jobs
from omniloop.inventory.models import StockLevel
from omniloop.inventory.selectors import (
    availability,
    held_reservations,
    stock_for_store,
    stock_summary,
    stores_with_stock,
)
from omniloop.inventory.services import ReserveLine, stock_reserve
from omniloop.stores.models import Store
from tests.inventory.helpers import LATER, T0, load

pytestmark = pytest.mark.django_db


def _hold(shop, store, code, q, ref):
    stock_reserve(
        store_id=store.pk,
        lines=[ReserveLine(shop.skus[code].pk, q)],
        kind="pickup",
        reference=ref,
        expires_at=LATER,
        at=T0,
    )


def test_availability_is_on_hand_minus_reserved(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 1})
    load(shop.b, {"JK1-S": 2})
    _hold(shop, shop.a, "JK1-S", 4, "O-1")
    s, m = shop.skus["JK1-S"].pk, shop.skus["JK1-M"].pk
    got = [(a.store_code, a.sku_code, a.available) for a in availability(sku_ids=[s, m])]
    expected = sorted(
        (lvl.store.code, lvl.sku.sku_code, lvl.on_hand - lvl.reserved)
        for lvl in StockLevel.objects.select_related("store", "sku")
    )
    assert got == expected == [("sha", "JK1-M", 1), ("sha", "JK1-S", 1), ("shb", "JK1-S", 2)]
    only_b = availability(sku_ids=[s], store_ids=[shop.b.pk])
    assert [(a.store_code, a.available) for a in only_b] == [("shb", 2)]


def test_stores_with_stock_serve_the_whole_basket(shop):
    load(shop.a, {"JK1-S": 2, "JK1-M": 1})
    load(shop.b, {"JK1-S": 5})  # no M
    load(shop.c, {"JK1-S": 3, "JK1-M": 3})
    s, m = shop.skus["JK1-S"].pk, shop.skus["JK1-M"].pk
    got = stores_with_stock(sku_quantities={s: 2, m: 1})
    assert [(x.store.code, x.available) for x in got] == [
        ("bjc", {s: 3, m: 3}),
        ("sha", {s: 2, m: 1}),
    ]
    assert [x.store.code for x in stores_with_stock(sku_quantities={s: 2, m: 1}, city="上海")] == [
        "sha"
    ]
    _hold(shop, shop.a, "JK1-M", 1, "O-1")
    assert [x.store.code for x in stores_with_stock(sku_quantities={s: 2, m: 1})] == ["bjc"]
    Store.objects.filter(pk=shop.c.pk).update(status=Store.Status.CLOSED)
    assert stores_with_stock(sku_quantities={s: 2, m: 1}) == []
    assert stores_with_stock(sku_quantities={}) == []


def test_store_pages_are_scoped_to_the_actor(shop):
    load(shop.a, {"JK1-S": 5, "JK1-M": 1})
    _hold(shop, shop.a, "JK1-S", 2, "O-1")
    staff = Actor(role="assistant", store_id=shop.a.pk, user_id=1)
    assert [r.sku.sku_code for r in stock_for_store(actor=staff, store_id=shop.a.pk)] == [
        "JK1-M",
        "JK1-S",
    ]
    assert [
        r.sku.sku_code for r in stock_for_store(actor=staff, store_id=shop.a.pk, search="-s")
    ] == ["JK1-S"]
    assert [r.reference for r in held_reservations(actor=staff, store_id=shop.a.pk)] == ["O-1"]
    with pytest.raises(NotFound):
        stock_for_store(actor=staff, store_id=shop.b.pk)
    with pytest.raises(NotFound):
        held_reservations(actor=staff, store_id=shop.b.pk)
    summary = {x.store.code: x for x in stock_summary(stores=[shop.a, shop.b])}
    assert (summary["sha"].skus, summary["sha"].on_hand, summary["sha"].reserved) == (2, 6, 2)
    assert (summary["sha"].available, summary["sha"].held) == (4, 1)
    assert summary["shb"].on_hand == 0


def test_the_expiry_sweep_is_a_periodic_job():
    job = periodic_jobs()["stock_release_expired"]
    assert job.task.module_path == "omniloop.inventory.tasks.stock_release_expired_task"
