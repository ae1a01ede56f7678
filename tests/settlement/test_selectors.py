from __future__ import annotations

import pytest

from omniloop.accounts.access import actor_for_user
from omniloop.orders.models import Order, OrderStatusChange
from omniloop.settlement.selectors import o2o_performance
from tests.settlement.world import Brand

pytestmark = pytest.mark.django_db


def _pickups(brand: Brand) -> dict[int, int]:
    rows = o2o_performance(actor=brand.hq_actor, period=brand.period)
    return {r.assistant.pk: r.pickups for r in rows}


def test_a_pickup_completed_by_nobody_counts_for_the_credited_assistant_of_that_store(brand):
    pickup = dict(store=brand.b, fulfilment=Order.Fulfilment.PICKUP)
    brand.order(Order.Flow.PICKUP, credited=(brand.b, brand.b1), **pickup)  # no history
    brand.order(Order.Flow.PICKUP, credited=(brand.a, brand.a1), **pickup)  # a1 is not in B
    by_c1 = brand.order(Order.Flow.PICKUP, credited=(brand.b, brand.b1), **pickup)
    OrderStatusChange.objects.create(
        order=by_c1, from_status="ready", to_status="completed", actor=brand.c1, at=brand.at(12)
    )  # c1 works in C: a completion at B by them counts for nobody
    brand.order(
        Order.Flow.PICKUP, credited=(brand.b, brand.b1), status=Order.Status.READY, **pickup
    )
    assert _pickups(brand) == {brand.a1.pk: 0, brand.a2.pk: 0, brand.b1.pk: 1, brand.c1.pk: 0}


def test_an_assistant_sees_only_their_own_row(brand):
    rows = o2o_performance(actor=actor_for_user(brand.a2), period=brand.period)
    assert [r.assistant.pk for r in rows] == [brand.a2.pk]
