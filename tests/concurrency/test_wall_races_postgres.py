"""The wall's cells under real concurrency on PostgreSQL: sales landing in one new cell from
many connections at once all count (the ON CONFLICT upsert), a paid event replayed by many
connections counts once (the marker), and one member's orders paid at once leave the member's
fact and cells equal to a rebuild (the member row lock)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from omniloop.core import clock
from omniloop.orders.events import order_paid
from omniloop.orders.models import Order
from omniloop.stores.models import SalesChannel
from omniloop.wall.cells import cell_add
from omniloop.wall.models import CohortMonth, MemberDay, MemberFact, SalesDay, ScanDay
from omniloop.wall.rebuild import wall_rebuild
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _sums() -> tuple[int, int]:
    got = SalesDay.objects.aggregate(o=Sum("orders"), g=Sum("gross_fen"))
    return got["o"] or 0, got["g"] or 0


def _member_cells() -> tuple[set, set, set]:  # type: ignore[type-arg]
    days = MemberDay.objects.values_list("day", "store_id", "joins", "first_purchases")
    return (
        set(MemberFact.objects.values_list("member_id", "join_day", "first_day", "store_id")),
        {r for r in days if r[2] or r[3]},
        {r for r in CohortMonth.objects.values_list("cohort", "month", "active") if r[2]},
    )


def test_twenty_connections_adding_to_one_new_cell_all_land():
    key = {"day": date(2026, 12, 1), "store_id": 7, "touchpoint_id": 3, "assistant_id": 0}

    def add(_: int) -> None:
        with transaction.atomic():
            cell_add(ScanDay, key, {"scans": 1})

    assert outcomes(run_at_once(20, add)) == {"ok": 20}
    assert list(ScanDay.objects.filter(**key).values_list("scans", flat=True)) == [20]


def test_sales_into_one_new_cell_from_ten_connections_all_count():
    store = make_store("rc01")
    make_product("RC100", price="100.00")

    results = run_at_once(
        10, lambda i: sell(store, [("RC100-M", 1)], total="100.00", receipt=f"RC-{i}")
    )

    assert outcomes(results) == {"ok": 10}
    assert SalesDay.objects.filter(orders__gt=0).count() == 1  # one cell: same day and key
    assert _sums() == (10, 100_000)
    wall_rebuild()
    assert _sums() == (10, 100_000)


def test_a_paid_event_replayed_by_ten_connections_counts_once():
    store = make_store("rc02")
    channel = SalesChannel.objects.create(code="rc-till", name="收银", kind="store_till")
    order = Order.objects.create(
        number="RC-ONE",
        channel=channel,
        store=store,
        credited_store=store,
        total=Decimal("88.00"),
        ordered_at=clock.now() - timedelta(minutes=1),
        paid_at=clock.now() - timedelta(minutes=1),
    )

    def replay(_: int) -> None:
        with transaction.atomic():
            order_paid(order.pk)

    assert outcomes(run_at_once(10, replay)) == {"ok": 10}
    assert _sums() == (1, 8_800)


def test_one_members_orders_paid_at_once_leave_the_fact_a_rebuild_would():
    store = make_store("rc03")
    make_product("RC300", price="50.00")
    member = make_member()

    results = run_at_once(
        8, lambda i: sell(store, [("RC300-M", 1)], total="50.00", receipt=f"RM-{i}", member=member)
    )

    assert outcomes(results) == {"ok": 8}
    kept = _member_cells()
    assert kept[0] and kept[1]
    wall_rebuild()
    assert _member_cells() == kept
