"""Stateful property: random sequences of loads (snapshots and deltas), reserves (new and
retried), releases, consumes, time passing and expiry sweeps leave stock exactly where a plain
reference model says, with on_hand >= reserved >= 0 and reserved == the held reservations."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from omniloop.core.errors import ApplicationError
from omniloop.inventory.models import StockLevel
from omniloop.inventory.services import (
    ReserveLine,
    StockInsufficient,
    StockRow,
    stock_consume,
    stock_load,
    stock_release,
    stock_release_expired,
    stock_reserve,
)
from tests.factories import make_product, make_store
from tests.inventory.helpers import T0, assert_sound

pytestmark = pytest.mark.django_db

STORES, SKUS = 2, 3


@dataclass
class Hold:
    store: int
    lines: dict[int, int]  # sku index -> quantity
    expires_at: datetime
    status: str = "held"


@dataclass
class Model:
    now: datetime = T0
    on_hand: dict[tuple[int, int], int] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)

    def reserved(self, store: int, sku: int) -> int:
        return sum(
            h.lines.get(sku, 0)
            for h in self.holds.values()
            if h.status == "held" and h.store == store
        )

    def available(self, store: int, sku: int) -> int:
        return self.on_hand.get((store, sku), 0) - self.reserved(store, sku)


def machine_for(stores, skus) -> type[RuleBasedStateMachine]:
    def row_code(i: int) -> str:
        return skus[i].sku_code

    class StockMachine(RuleBasedStateMachine):
        refs = Bundle("refs")

        def __init__(self) -> None:
            super().__init__()
            self.model = Model()
            self.seq = 0
            self.atomic = transaction.atomic()
            self.atomic.__enter__()  # each example starts from no stock and is rolled back

        def teardown(self) -> None:
            try:
                assert_sound()
            finally:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)

        @initialize(
            store=st.integers(0, STORES - 1),
            counts=st.lists(st.integers(0, 6), min_size=SKUS, max_size=SKUS),
        )
        def first_load(self, store: int, counts: list[int]) -> None:
            self.load(store, dict(enumerate(counts)))

        @rule(
            store=st.integers(0, STORES - 1),
            counts=st.dictionaries(st.integers(0, SKUS - 1), st.integers(0, 6), min_size=1),
        )
        def load(self, store: int, counts: dict[int, int]) -> None:
            rows = [StockRow(sku=row_code(k), on_hand=q) for k, q in counts.items()]
            refused = any(q < self.model.reserved(store, k) for k, q in counts.items())
            if refused:
                with pytest.raises(ApplicationError, match="below the") as exc:
                    stock_load(store=stores[store], rows=rows, source="erp", at=self.model.now)
                assert exc.value.code == "stock_below_reserved"
                return
            stock_load(store=stores[store], rows=rows, source="erp", at=self.model.now)
            for k, q in counts.items():
                self.model.on_hand[(store, k)] = q

        @rule(store=st.integers(0, STORES - 1), sku=st.integers(0, SKUS - 1), d=st.integers(-4, 4))
        def delta(self, store: int, sku: int, d: int) -> None:
            rows = [StockRow(sku=row_code(sku), on_hand=d)]
            new = self.model.on_hand.get((store, sku), 0) + d
            if new < self.model.reserved(store, sku):
                with pytest.raises(ApplicationError) as exc:
                    stock_load(store=stores[store], rows=rows, source="till", mode="delta")
                assert exc.value.code == "stock_below_reserved"
                return
            stock_load(store=stores[store], rows=rows, source="till", mode="delta")
            self.model.on_hand[(store, sku)] = new

        @rule(
            target=refs,
            store=st.integers(0, STORES - 1),
            lines=st.dictionaries(
                st.integers(0, SKUS - 1), st.integers(1, 4), min_size=1, max_size=SKUS
            ),
            minutes=st.integers(1, 120),
        )
        def reserve(self, store: int, lines: dict[int, int], minutes: int) -> str:
            self.seq += 1
            ref = f"O-{self.seq}"
            expires_at = self.model.now + timedelta(minutes=minutes)
            call = {
                "store_id": stores[store].pk,
                "lines": [ReserveLine(skus[k].pk, q) for k, q in lines.items()],
                "kind": "pickup",
                "reference": ref,
                "expires_at": expires_at,
                "at": self.model.now,
            }
            short = sorted(
                (skus[k].pk, k) for k, q in lines.items() if q > self.model.available(store, k)
            )
            if short:
                with pytest.raises(StockInsufficient) as exc:
                    stock_reserve(**call)
                k = short[0][1]
                assert exc.value.extra["sku"] == row_code(k)
                assert exc.value.extra["available"] == max(0, self.model.available(store, k))
                return ref  # a reference that holds nothing: 404 from now on
            result = stock_reserve(**call)
            assert (result.status, result.replayed) == ("held", False)
            self.model.holds[ref] = Hold(store, dict(lines), expires_at)
            # a retry replays and changes nothing
            assert stock_reserve(**call).replayed
            return ref

        @rule(ref=refs)
        def release(self, ref: str) -> None:
            hold = self.model.holds.get(ref)
            if hold is None or hold.status == "consumed":
                with pytest.raises(ApplicationError) as exc:
                    stock_release(reference=ref, kind="pickup", at=self.model.now)
                expected = "reservation_not_found" if hold is None else "reservation_consumed"
                assert exc.value.code == expected
                return
            result = stock_release(reference=ref, kind="pickup", at=self.model.now)
            assert result.replayed == (hold.status == "released")
            hold.status = "released"

        @rule(ref=refs)
        def consume(self, ref: str) -> None:
            hold = self.model.holds.get(ref)
            expected = None
            if hold is None:
                expected = "reservation_not_found"
            elif hold.status == "released":
                expected = "reservation_released"
            elif hold.status == "held" and hold.expires_at <= self.model.now:
                expected = "reservation_expired"
            if expected:
                with pytest.raises(ApplicationError) as exc:
                    stock_consume(reference=ref, kind="pickup", at=self.model.now)
                assert exc.value.code == expected
                return
            assert hold is not None
            result = stock_consume(reference=ref, kind="pickup", at=self.model.now)
            assert result.replayed == (hold.status == "consumed")
            if hold.status == "held":
                for k, q in hold.lines.items():
                    self.model.on_hand[(hold.store, k)] -= q
            hold.status = "consumed"

        @rule(minutes=st.integers(1, 90))
        def time_passes(self, minutes: int) -> None:
            self.model.now += timedelta(minutes=minutes)

        @rule()
        def expire(self) -> None:
            due = [
                h
                for h in self.model.holds.values()
                if h.status == "held" and h.expires_at <= self.model.now
            ]
            assert stock_release_expired(now=self.model.now) == sum(len(h.lines) for h in due)
            for h in due:
                h.status = "released"

        @invariant()
        def matches_the_model(self) -> None:
            got = {
                (s, k): (on_hand, reserved)
                for s, k, on_hand, reserved in StockLevel.objects.values_list(
                    "store_id", "sku_id", "on_hand", "reserved"
                )
            }
            for s in range(STORES):
                for k in range(SKUS):
                    want = (self.model.on_hand.get((s, k), 0), self.model.reserved(s, k))
                    assert got.get((stores[s].pk, skus[k].pk), (0, 0)) == want, (s, k)
            assert_sound()

    return StockMachine


def test_stock_follows_the_reference_model():
    stores = [make_store(f"sm{i}") for i in range(STORES)]
    skus = list(make_product("SM", sizes=("S", "M", "L")).skus.order_by("pk"))
    run_state_machine_as_test(
        machine_for(stores, skus),
        settings=settings(
            max_examples=200,
            stateful_step_count=10,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
