"""Cancellations racing on PostgreSQL, each on its own connection: many cancels of one paid
order refund it once; a cancel racing the till collecting the pickup ends in exactly one of
the two; a cancel racing the provider re-sending the paid notification neither deadlocks nor
refunds twice. The ledger, stock and settlement invariants hold after each."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.inventory.models import StockLevel, StockReservation
from omniloop.loyalty.selectors import ledger_audit, points_balance
from omniloop.orders.cancel import order_cancel
from omniloop.orders.models import Order, OrderStatusChange, Payment
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from omniloop.orders.online_values import FulfilmentChoice
from omniloop.orders.payments.services import payment_notification_receive
from omniloop.orders.pickup import pickup_collect, pickup_mark_ready
from omniloop.settlement.models import SettlementEntry
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_store
from tests.orders.online_helpers import checkout, place, signed, start
from tests.orders.pickup_helpers import stock
from tests.promotions.pricing_helpers import make_shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 10


def _paid_online():
    make_shop()
    member = make_member()
    order = place(member, checkout([("JK100-M", 1)]))
    charge = start(order)
    body, headers = signed(charge, notification_id="N-paid")
    payment_notification_receive(provider_name="test", body=body, headers=headers)
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    return order, member, (body, headers)


def _refunds(order: Order) -> list[tuple[Decimal, str]]:
    return list(
        Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).values_list(
            "amount", "status"
        )
    )


def test_ten_cancels_of_one_paid_order_refund_it_once():
    order, member, _ = _paid_online()
    results = run_at_once(N, lambda i: order_cancel(order_number=order.number))
    assert outcomes(results, ok=lambda r: "replayed" if r.replayed else "cancelled") == {
        "cancelled": 1,
        "replayed": N - 1,
    }
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and order.refunded_total == order.total
    assert _refunds(order) == [(order.total, Payment.Status.SUCCEEDED)]
    assert OrderStatusChange.objects.filter(order=order, to_status="cancelled").count() == 1
    assert points_balance(member_id=member.pk) == 0
    settled = SettlementEntry.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]
    assert settled == Decimal("0.00")
    assert ledger_audit() == []


def test_a_cancel_racing_the_provider_resending_paid_neither_deadlocks_nor_doubles():
    order, _, (body, headers) = _paid_online()

    def work(i: int) -> str:
        if i % 2:
            return payment_notification_receive(
                provider_name="test", body=body, headers=headers
            ).outcome
        return "replayed" if order_cancel(order_number=order.number).replayed else "cancelled"

    got = outcomes(run_at_once(N, work), ok=str)
    assert got == {"duplicate": N // 2, "cancelled": 1, "replayed": N // 2 - 1}
    assert _refunds(order) == [(order.total, Payment.Status.SUCCEEDED)]


@pytest.mark.parametrize("round_", range(3))
def test_a_cancel_racing_the_till_collecting_the_pickup_ends_in_one_of_them(round_):
    make_shop()
    store = make_store("sh02")
    stock(store, "JK100-M", 1)
    member = make_member()
    order = place(
        member, checkout([("JK100-M", 1)], fulfilment=FulfilmentChoice.PICKUP, pickup_store="sh02")
    )
    with transaction.atomic():
        order_mark_paid(order=lock_order_with_payments(order.pk), at=order.ordered_at)
    from omniloop.orders.online import pickup_code_for

    code = pickup_code_for(order_number=order.number)
    pickup_mark_ready(actor=Actor(role=Role.HQ_ADMIN, store_id=None), order_number=order.number)

    def work(i: int) -> str:
        if i == 0:
            pickup_collect(store=store, order_number=order.number, code=code)
            return "collected"
        order_cancel(order_number=order.number)
        return "cancelled"

    got = outcomes(run_at_once(2, work), ok=str)
    order.refresh_from_db()
    level = StockLevel.objects.get(store=store, sku__sku_code="JK100-M")
    held = StockReservation.objects.get(reference=order.number).status
    if order.status == Order.Status.COMPLETED:
        assert got == {"collected": 1, "order_already_fulfilled": 1}
        assert (level.on_hand, level.reserved, held) == (0, 0, "consumed")
        assert order.refunded_total == 0
    else:
        assert order.status == Order.Status.CANCELLED
        assert got == {"cancelled": 1, "pickup_not_ready": 1}
        assert (level.on_hand, level.reserved, held) == (1, 0, "released")
        assert order.refunded_total == order.total
    assert ledger_audit() == []


def test_a_return_racing_the_provider_resending_paid_neither_deadlocks_nor_doubles():
    """A return locks the order, then writes its refund row against the charge; the
    notification locks the charge, then the order. Only a key-share-compatible lock on the
    charge (NO KEY UPDATE) lets both finish."""
    from omniloop.orders.returns import ReturnInput, order_return

    order, _, (body, headers) = _paid_online()

    def work(i: int) -> str:
        if i % 2:
            return payment_notification_receive(
                provider_name="test", body=body, headers=headers
            ).outcome
        order_return(
            order_number=order.number, ret=ReturnInput(reference=f"RT-{i}", amount=Decimal("1.00"))
        )
        return "returned"

    got = outcomes(run_at_once(N, work), ok=str)
    assert got == {"duplicate": N // 2, "returned": N // 2}
    assert _refunds(order) == [(Decimal("1.00"), Payment.Status.SUCCEEDED)] * (N // 2)


@pytest.mark.parametrize("round_", range(3))
def test_a_cancel_racing_the_store_shipping_an_endless_aisle_order_ends_in_one(round_):
    from omniloop.orders.endless_aisle import (
        EndlessAisleInput,
        endless_aisle_order,
        endless_aisle_ship,
    )
    from tests.orders.online_helpers import ADDRESS

    shop = make_shop()
    source = make_store("sh02")
    stock(source, "JK100-M", 1)
    order = endless_aisle_order(
        store=shop.store,
        data=EndlessAisleInput(receipt_no="R-1", items=(("JK100-M", 1),), address=ADDRESS),
    )
    actor = Actor(role=Role.STORE_MANAGER, store_id=source.pk)

    def work(i: int) -> str:
        if i == 0:
            endless_aisle_ship(actor=actor, order_number=order.number)
            return "shipped"
        order_cancel(order_number=order.number)
        return "cancelled"

    got = outcomes(run_at_once(2, work), ok=str)
    order.refresh_from_db()
    level = StockLevel.objects.get(store=source, sku__sku_code="JK100-M")
    if order.status == Order.Status.SHIPPED:
        assert got == {"shipped": 1, "order_already_fulfilled": 1}
        assert (level.on_hand, level.reserved) == (0, 0) and order.refunded_total == 0
    else:
        assert order.status == Order.Status.CANCELLED
        assert got == {"cancelled": 1, "order_not_shippable": 1}
        assert (level.on_hand, level.reserved) == (1, 0)
    settled = SettlementEntry.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]
    assert settled == (order.total - order.refunded_total)
    assert ledger_audit() == []
