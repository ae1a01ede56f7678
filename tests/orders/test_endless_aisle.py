"""Endless aisle: the till at a store without the size orders it from another store for
delivery; paid here, credited and settled to the ordering store, the goods held at the
shipping store until it ships; a cancel before that gives the stock back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.core.errors import ApplicationError
from omniloop.inventory.models import StockLevel
from omniloop.orders.cancel import order_cancel
from omniloop.orders.endless_aisle import EndlessAisleInput, endless_aisle_order
from omniloop.orders.models import Order
from omniloop.orders.online_values import AddressInput
from omniloop.settlement.models import SettlementEntry
from tests.api.helpers import post_json
from tests.factories import make_member, make_store, make_user
from tests.orders.pickup_helpers import stock
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db
ADDRESS = AddressInput(
    recipient="王小明", phone="13800138000", region="上海市 静安区", line="南京西路 1266 号"
)
ADDRESS_JSON = {
    "recipient": "王小明",
    "phone": "13800138000",
    "region": "上海市 静安区",
    "line": "南京西路 1266 号",
}


@pytest.fixture
def stores():
    shop = make_shop()  # sh01: the ordering store, the M is not on its shelf
    far = make_store("bj01", city="北京")
    near = make_store("sh09")
    stock(far, "JK100-M", 5)
    stock(near, "JK100-M", 5)
    assistant = make_user(Role.ASSISTANT, shop.store)
    return shop.store, near, far, assistant


def _level(store) -> tuple[int, int]:
    level = StockLevel.objects.get(store=store, sku__sku_code="JK100-M")
    return level.on_hand, level.reserved


def test_the_till_orders_from_the_nearest_store_and_is_credited(stores):
    ordering, near, far, assistant = stores
    member = make_member()
    order = endless_aisle_order(
        store=ordering,
        data=EndlessAisleInput(
            receipt_no="R-77",
            items=(("JK100-M", 1),),
            address=ADDRESS,
            member_code=member.code,
            assistant=assistant.staff_code,
        ),
    )
    assert (order.flow, order.status, order.store_id) == ("endless_aisle", "paid", near.pk)
    assert (order.credited_store_id, order.credited_assistant_id) == (ordering.pk, assistant.pk)
    assert order.touchpoint.store_id == ordering.pk
    assert order.total == Decimal("399.00") and order.points_earned == 399
    assert _level(near) == (5, 1) and _level(far) == (5, 0)
    entries = list(SettlementEntry.objects.filter(order=order).values_list("store_id", "amount"))
    assert entries == [(ordering.pk, Decimal("399.00"))]  # 100% to the ordering store
    cancelled = order_cancel(order_number=order.number)
    assert cancelled.order.status == Order.Status.CANCELLED
    assert _level(near) == (5, 0)


def test_refusals_write_nothing(stores):
    ordering, *_ = stores

    def data(**kw):
        return EndlessAisleInput(receipt_no="R-1", items=(("JK100-M", 9),), address=ADDRESS, **kw)

    with pytest.raises(ApplicationError) as exc:
        endless_aisle_order(store=ordering, data=data())
    assert exc.value.code == "endless_aisle_no_stock"
    with pytest.raises(ApplicationError) as exc:
        endless_aisle_order(store=ordering, data=data(from_store="sh01"))
    assert exc.value.code == "endless_aisle_same_store"
    with pytest.raises(ApplicationError) as exc:
        endless_aisle_order(store=ordering, data=data(from_store="bj01"))
    assert exc.value.code == "stock_insufficient"
    assert Order.objects.count() == 0


def test_through_the_till_api_then_the_shipping_store_ships(client, stores):
    ordering, near, _, _ = stores
    here = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='t1', store=ordering).secret}"}
    there = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='t2', store=near).secret}"}
    body = {
        "receipt_no": "R-9",
        "lines": [{"sku": "JK100-M", "quantity": 2}],
        "address": ADDRESS_JSON,
    }
    key = {"HTTP_IDEMPOTENCY_KEY": "ea-key-0001"}
    r = post_json(client, "/api/v1/pos/endless-aisle", body, **key, **here)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    assert r.json()["ships_from"] == "sh09" and r.json()["credited_store"] == "sh01"
    again = post_json(client, "/api/v1/pos/endless-aisle", body, **key, **here)
    assert again.json()["number"] == number and Order.objects.count() == 1
    url = f"/api/v1/pos/endless-aisle/{number}/ship"
    assert post_json(client, url, {}, **here).status_code == 404  # not the shipping store
    r = post_json(client, url, {}, **there)
    assert r.status_code == 200 and r.json()["status"] == "shipped"
    assert _level(near) == (3, 0)
    with pytest.raises(ApplicationError) as exc:
        order_cancel(order_number=number)
    assert exc.value.code == "order_already_fulfilled"
