"""Stock under real concurrency on PostgreSQL: parallel connections released at once by a
barrier. Available stock never goes below zero, a retried reserve never doubles its hold, and
any interleaving of reserve, release, consume, expiry and loads keeps on_hand >= reserved >= 0
with reserved equal to the held reservations (no deadlock, no CHECK violation)."""

from __future__ import annotations

import random
from datetime import timedelta
from functools import partial

import pytest
from django.db.models import Sum

from omniloop.core import clock
from omniloop.inventory.models import StockLevel, StockMovement, StockReservation
from omniloop.inventory.services import (
    ReserveLine,
    StockRow,
    stock_consume,
    stock_load,
    stock_release,
    stock_release_expired,
    stock_reserve,
)
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_product, make_store
from tests.inventory.helpers import assert_sound

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _load(store, counts, mode="replace"):
    return stock_load(
        store=store,
        rows=[StockRow(sku=code, on_hand=q) for code, q in counts.items()],
        source="till",
        mode=mode,
    )


def test_thirty_parallel_reserves_of_the_last_five_units():
    store = make_store("race1")
    sku = make_product("RACE").skus.get(size="M")
    _load(store, {sku.sku_code: 5})

    results = run_at_once(
        30,
        lambda i: stock_reserve(
            store_id=store.pk,
            lines=[ReserveLine(sku.pk, 1)],
            kind="pickup",
            reference=f"O-{i}",
            expires_at=clock.now() + timedelta(hours=1),
        ),
    )

    assert outcomes(results) == {"ok": 5, "stock_insufficient": 25}
    level = StockLevel.objects.get(store=store, sku=sku)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert StockReservation.objects.filter(status="held").count() == 5
    assert_sound()


def test_twenty_retries_of_one_reserve_hold_once():
    store = make_store("race2")
    product = make_product("RETRY")
    s, m = product.skus.get(size="S"), product.skus.get(size="M")
    _load(store, {s.sku_code: 10, m.sku_code: 10})
    lines = [ReserveLine(m.pk, 2), ReserveLine(s.pk, 3)]

    results = run_at_once(
        20,
        lambda _: stock_reserve(
            store_id=store.pk, lines=lines, kind="pickup", reference="O-RETRY", expires_at=None
        ),
    )

    assert outcomes(results, lambda r: "replayed" if r.replayed else "held") == {
        "held": 1,
        "replayed": 19,
    }
    assert dict(StockLevel.objects.values_list("sku_id", "reserved")) == {s.pk: 3, m.pk: 2}
    assert StockReservation.objects.count() == 2
    assert_sound()


def test_release_consume_and_expiry_racing_for_one_reservation_act_once():
    store = make_store("race3")
    sku = make_product("ONCE").skus.get(size="M")
    _load(store, {sku.sku_code: 4})
    for round_ in range(5):
        ref = f"O-{round_}"
        soon = clock.now() + timedelta(seconds=30)
        stock_reserve(
            store_id=store.pk,
            lines=[ReserveLine(sku.pk, 1)],
            kind="pickup",
            reference=ref,
            expires_at=soon,
        )
        before = StockLevel.objects.get(store=store, sku=sku).on_hand
        calls = [
            partial(stock_release, reference=ref, kind="pickup"),
            partial(stock_consume, reference=ref, kind="pickup"),
            partial(stock_release_expired, now=soon + timedelta(seconds=1)),
        ] * 4
        results = run_at_once(len(calls), lambda i, calls=calls: calls[i]())
        outcomes(results, lambda _: "ok")  # only domain refusals, never a 500
        status = StockReservation.objects.get(reference=ref).status
        level = StockLevel.objects.get(store=store, sku=sku)
        assert level.reserved == 0
        assert level.on_hand == before - (1 if status == "consumed" else 0)
        moves = StockMovement.objects.filter(reference=f"pickup:{ref}").exclude(kind="reserve")
        assert moves.count() == 1, list(moves.values_list("kind", flat=True))
    assert_sound()


def test_random_interleavings_keep_the_numbers_whole():
    stores = [make_store("mix1"), make_store("mix2")]
    product = make_product("MIX", sizes=("S", "M", "L", "XL"))
    skus = list(product.skus.order_by("sku_code"))
    for store in stores:
        _load(store, {k.sku_code: 6 for k in skus})
    threads, steps = 16, 25

    def worker(i: int) -> list[tuple[str, object]]:
        rng = random.Random(i)
        mine: list[str] = []
        done: list[tuple[str, object]] = []
        for step in range(steps):
            store = rng.choice(stores)
            op = rng.choice(["reserve", "reserve", "release", "consume", "load", "delta", "expire"])
            try:
                if op == "reserve":
                    picked = rng.sample(skus, rng.randint(1, 3))
                    ref = f"T{i}-{step}"
                    stock_reserve(
                        store_id=store.pk,
                        lines=[ReserveLine(k.pk, rng.randint(1, 3)) for k in reversed(picked)],
                        kind=rng.choice(["pickup", "endless_aisle"]),
                        reference=ref,
                        expires_at=clock.now() + timedelta(seconds=rng.choice([0.2, 3600])),
                    )
                    mine.append(ref)
                elif op in ("release", "consume") and mine:
                    ref = rng.choice(mine)
                    kind = StockReservation.objects.filter(reference=ref).values_list(
                        "kind", flat=True
                    )[0]
                    fn = stock_release if op == "release" else stock_consume
                    fn(reference=ref, kind=kind)
                elif op == "load":
                    _load(store, {k.sku_code: rng.randint(0, 8) for k in rng.sample(skus, 2)})
                elif op == "delta":
                    _load(store, {rng.choice(skus).sku_code: rng.randint(-3, 4)}, mode="delta")
                elif op == "expire":
                    stock_release_expired()
                done.append((op, "ok"))
            except Exception as exc:  # the code is checked below
                done.append((op, exc))
        return done

    results = run_at_once(threads, worker)
    allowed = {
        "stock_insufficient",
        "stock_below_reserved",
        "reservation_released",
        "reservation_consumed",
        "reservation_expired",
    }
    seen: dict[str, int] = {}
    for r in results:
        assert not isinstance(r, BaseException), r
        for op, outcome in r:
            code = "ok" if outcome == "ok" else getattr(outcome, "code", None)
            assert code == "ok" or code in allowed, (op, outcome)
            seen[f"{op}:{code}"] = seen.get(f"{op}:{code}", 0) + 1
    assert seen.get("reserve:ok", 0) > 0 and seen.get("load:ok", 0) > 0, seen
    assert_sound()
    # on_hand moves only through the log: every row's count is its logged changes' sum
    logged = {
        (r["store_id"], r["sku_id"]): r["n"]
        for r in StockMovement.objects.values("store_id", "sku_id").annotate(
            n=Sum("on_hand_change")
        )
    }
    for s, k, on_hand in StockLevel.objects.values_list("store_id", "sku_id", "on_hand"):
        assert on_hand == logged[(s, k)], (s, k)
