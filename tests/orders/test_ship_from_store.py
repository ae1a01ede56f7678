"""Ship from store (门店发货): routing a ship-to-home order to a store that holds the basket, the
stock held there from placement to shipping, released if unpaid, and the store's queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.inventory.models import StockLevel, StockReservation
from omniloop.orders.models import Order
from omniloop.orders.online_settle import (
    lock_order_with_payments,
    online_orders_expire,
    order_mark_paid,
)
from omniloop.orders.routing import route_shipment, shipping_store_set
from omniloop.orders.shipping import ship_queue, store_order_ship
from tests.factories import make_member, make_product, make_store, make_user
from tests.orders.online_helpers import checkout, place
from tests.orders.pickup_helpers import stock

pytestmark = pytest.mark.django_db
BASKET = [("JK100-M", 2)]


@pytest.fixture
def stores():
    make_product("JK100", price="399.00")
    sh = make_store("sh05", city="上海")
    bj = make_store("bj01", city="北京")
    hz = make_store("hz01", city="杭州")
    for s in (sh, bj, hz):
        stock(s, "JK100-M", 5)
    return sh, bj, hz


def _level(store) -> tuple[int, int]:
    level = StockLevel.objects.get(store=store, sku__sku_code="JK100-M")
    return level.on_hand, level.reserved


def _route(bound=None, region="上海市 静安区", basket=None):
    from omniloop.catalog.models import Sku

    quantities = {Sku.objects.get(sku_code=code).pk: q for code, q in (basket or BASKET)}
    return route_shipment(sku_quantities=quantities, bound_store_id=bound, region=region)


def test_the_routing_rule_in_order(stores):
    _, bj, hz = stores
    assert _route() is None  # no store ships online orders: the warehouse does
    for s in (bj, hz):
        shipping_store_set(store_id=s.pk, enabled=True)
    # sh05 holds the basket and is in the delivery city, but does not ship online orders.
    assert _route().store == bj and _route().why == "first_by_code"
    assert _route(region="杭州市 西湖区").store == hz and _route(region="杭州").why == "region_city"
    # The member's store wins over the delivery city.
    assert (_route(bound=bj.pk, region="杭州市").store, _route(bound=bj.pk).why) == (
        bj,
        "bound_store",
    )
    # A store that cannot hold the whole basket is passed over.
    assert _route(basket=[("JK100-M", 6)]) is None
    stock(hz, "JK100-M", 9)
    assert _route(basket=[("JK100-M", 6)], region="北京").store == hz
    # Turned off, a store takes no more.
    assert shipping_store_set(store_id=hz.pk, enabled=False) is True
    assert shipping_store_set(store_id=hz.pk, enabled=False) is False
    assert _route(region="杭州").store == bj


def test_a_routed_order_is_held_at_the_store_kept_when_paid_and_consumed_when_shipped(stores):
    sh, bj, _ = stores
    shipping_store_set(store_id=sh.pk, enabled=True)
    member = make_member()
    order = place(member, checkout(BASKET))
    assert (order.flow, order.fulfilment, order.store_id) == (
        Order.Flow.SHIP_FROM_STORE,
        Order.Fulfilment.STORE_SHIP,
        sh.pk,
    )
    assert _level(sh) == (5, 2)
    with transaction.atomic():
        order = order_mark_paid(order=lock_order_with_payments(order.pk), at=clock.now())
    hold = StockReservation.objects.get(reference=order.number)
    assert (hold.kind, hold.status, hold.expires_at) == ("ship_from_store", "held", None)
    assert list(ship_queue(store_id=sh.pk)) == [order]
    staff = Actor(role=Role.STORE_MANAGER, store_id=bj.pk, user_id=None)
    with pytest.raises(NotFound):
        store_order_ship(actor=staff, order_number=order.number)  # another store's: 404
    own = Actor(role=Role.STORE_MANAGER, store_id=sh.pk, user_id=None)
    shipped = store_order_ship(actor=own, order_number=order.number)
    assert shipped.status == Order.Status.SHIPPED and _level(sh) == (3, 0)
    again = store_order_ship(actor=own, order_number=order.number)  # a replay moves nothing
    assert again.status == Order.Status.SHIPPED and _level(sh) == (3, 0)
    assert list(ship_queue(store_id=sh.pk)) == []


def test_the_bound_store_ships_and_an_unpaid_order_gives_the_stock_back(stores):
    sh, _, hz = stores
    for s in stores:
        shipping_store_set(store_id=s.pk, enabled=True)
    member = make_member()
    binding_touch(member=member, store_id=hz.pk, assistant_id=None, source="test")
    order = place(member, checkout(BASKET))
    assert order.store_id == hz.pk and order.credited_store_id == hz.pk
    assert _level(hz) == (5, 2) and _level(sh) == (5, 0)
    assert online_orders_expire(at=clock.now() + timedelta(hours=1)) == 1
    assert _level(hz) == (5, 0)


def test_without_stock_anywhere_the_warehouse_ships(stores):
    sh, _, _ = stores
    shipping_store_set(store_id=sh.pk, enabled=True)
    order = place(make_member(), checkout([("JK100-M", 7)]))
    assert (order.flow, order.fulfilment, order.store_id) == (
        Order.Flow.ONLINE,
        Order.Fulfilment.WAREHOUSE,
        None,
    )
    assert not StockReservation.objects.filter(reference=order.number).exists()


def test_the_store_queue_page_ships_and_hq_admins_turn_routing_on(client, stores):
    sh, _, _ = stores
    admin = make_user(Role.HQ_ADMIN)
    client.force_login(admin)
    r = client.post(reverse("dashboard:shipping_store_set"), {"store": sh.code, "enabled": "1"})
    assert r.status_code == 302
    assert AuditEvent.objects.filter(action="routing.ship_from_store").count() == 1
    order = place(make_member(), checkout(BASKET))
    with transaction.atomic():
        order_mark_paid(order=lock_order_with_payments(order.pk), at=clock.now())
    manager = make_user(Role.STORE_MANAGER, sh)
    client.force_login(manager)
    page = client.get(reverse("dashboard:shipments")).content.decode()
    assert order.number in page and 'data-testid="routing-toggle"' not in page
    assert "138****8000" in page and "13800138000" not in page  # the recipient's phone, masked
    r = client.post(reverse("dashboard:shipment_ship", args=[order.number]))
    assert r.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    # Store staff cannot change routing.
    r = client.post(reverse("dashboard:shipping_store_set"), {"store": sh.code, "enabled": "0"})
    assert r.status_code == 403
