"""Buy online, pick up in store, end to end through the services: the mall shows which stores
have the basket, placing holds the stock at the pickup store, the store marks it ready (the
member is told), the till verifies the code, the stock leaves, and the settlement credits the
bound and the pickup store as the rule says. Every refusal writes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.inventory.models import StockLevel, StockReservation
from omniloop.orders.models import Order
from omniloop.orders.online import pickup_stores_for
from omniloop.orders.pickup import pickup_collect, pickup_mark_ready, pickup_release_no_shows
from omniloop.settlement.models import SettlementEntry
from tests.factories import make_member, make_product, make_store, make_user
from tests.orders.pickup_helpers import paid_pickup, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    bound, pickup = make_store("sh01"), make_store("sh02")
    make_product("JK100", price="399.00")
    stock(pickup, "JK100-M", 2)
    member = make_member()
    binding_touch(member=member, store_id=bound.pk, assistant_id=None, source="scan")
    manager = make_user(Role.STORE_MANAGER, pickup)
    actor = Actor(role=Role.STORE_MANAGER, store_id=pickup.pk, user_id=manager.pk)
    return bound, pickup, member, actor


def _level(store) -> tuple[int, int]:
    level = StockLevel.objects.get(store=store, sku__sku_code="JK100-M")
    return level.on_hand, level.reserved


def test_the_mall_offers_the_stores_that_have_the_basket(shop):
    _ = shop
    options = {o.store.code: o.available for o in pickup_stores_for(items=[("JK100-M", 2)])}
    assert options == {"sh01": False, "sh02": True}
    assert not {o.store.code: o.available for o in pickup_stores_for(items=[("JK100-M", 3)])}[
        "sh02"
    ]


def test_buy_online_pick_up_in_store_end_to_end(
    shop, sms_outbox, django_capture_on_commit_callbacks
):
    _, pickup, member, actor = shop
    order, code = paid_pickup(member, pickup, [("JK100-M", 1)])
    assert order.flow == Order.Flow.PICKUP and order.store == pickup
    assert _level(pickup) == (2, 1)  # held at the pickup store
    with django_capture_on_commit_callbacks(execute=True):  # the notice goes after commit
        ready = pickup_mark_ready(actor=actor, order_number=order.number)
    assert ready.status == Order.Status.READY and ready.pickup_expires_at is not None
    assert len(sms_outbox) == 1 and order.number in sms_outbox[0].text
    done = pickup_collect(store=pickup, order_number=order.number, code=code)
    assert done.status == Order.Status.COMPLETED
    assert _level(pickup) == (1, 0)  # the unit left the store
    # The default pickup rule: 70% to the bound store, 30% to the pickup store.
    by_store = dict(
        SettlementEntry.objects.filter(order=order)
        .values("store__code")
        .annotate(s=Sum("amount"))
        .values_list("store__code", "s")
    )
    total = order.total
    assert by_store == {
        "sh01": (total * Decimal("0.7")).quantize(Decimal("0.01")),
        "sh02": total - (total * Decimal("0.7")).quantize(Decimal("0.01")),
    }


def test_pickup_refusals_write_nothing(shop):
    bound, pickup, member, actor = shop
    order, code = paid_pickup(member, pickup, [("JK100-M", 1)])
    with pytest.raises(ApplicationError) as err:
        pickup_collect(store=pickup, order_number=order.number, code=code)
    assert err.value.code == "pickup_not_ready"
    other_manager = Actor(role=Role.STORE_MANAGER, store_id=bound.pk, user_id=None)
    with pytest.raises(ApplicationError) as err:
        pickup_mark_ready(actor=other_manager, order_number=order.number)
    assert err.value.code == "order_not_found"  # another store's order does not exist for them
    pickup_mark_ready(actor=actor, order_number=order.number)
    with pytest.raises(ApplicationError) as err:
        pickup_collect(store=bound, order_number=order.number, code=code)
    assert err.value.code == "pickup_wrong_store"
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(ApplicationError) as err:
        pickup_collect(store=pickup, order_number=order.number, code=wrong)
    assert err.value.code == "pickup_code_invalid"
    order.refresh_from_db()
    assert order.status == Order.Status.READY and _level(pickup) == (2, 1)
    pickup_collect(store=pickup, order_number=order.number, code=code)
    with pytest.raises(ApplicationError) as err:
        pickup_collect(store=pickup, order_number=order.number, code=code)
    assert err.value.code == "pickup_already_collected"
    assert _level(pickup) == (1, 0)


def test_a_no_show_is_refunded_and_its_stock_freed(shop):
    _, pickup, member, actor = shop
    order, _ = paid_pickup(member, pickup, [("JK100-M", 2)])
    pickup_mark_ready(actor=actor, order_number=order.number)
    assert pickup_release_no_shows() == 0  # still within the hold
    later = clock.now() + timedelta(days=4)
    assert pickup_release_no_shows(at=later) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and order.refunded_total == order.total
    assert _level(pickup) == (2, 0)
    assert StockReservation.objects.filter(reference=order.number, status="released").exists()
    assert pickup_release_no_shows(at=later) == 0


def test_an_unpaid_pickup_gives_its_stock_back(shop):
    from omniloop.orders.online_settle import online_orders_expire
    from omniloop.orders.online_values import FulfilmentChoice
    from tests.orders.online_helpers import checkout, place

    _, pickup, member, _ = shop
    order = place(
        member, checkout([("JK100-M", 2)], fulfilment=FulfilmentChoice.PICKUP, pickup_store="sh02")
    )
    assert _level(pickup) == (2, 2)
    assert online_orders_expire(at=clock.now() + timedelta(hours=1)) == 1
    assert _level(pickup) == (2, 0)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
