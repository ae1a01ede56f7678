"""Payment notifications racing on PostgreSQL: many different notifications for one payment,
the same notification delivered many times at once, a success racing the unpaid-order expiry,
and double-submitted checkouts. Each settles once."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.orders.models import Order, OrderStatusChange, PaymentNotification
from omniloop.orders.online_settle import online_orders_expire
from omniloop.orders.payments.services import payment_notification_receive
from omniloop.promotions.models import Coupon, Redemption
from tests.concurrency.helpers import run_at_once
from tests.factories import make_member
from tests.orders.online_helpers import checkout, place, signed, start, token
from tests.promotions.pricing_helpers import issued_coupon, make_shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 12


@pytest.fixture
def pending():
    make_shop()
    member = make_member()
    coupon = issued_coupon(member)
    order = place(member, checkout([("JK100-M", 1)], codes=(coupon.code,)))
    return order, start(order), coupon


def _receive(body: bytes, headers: dict[str, str]) -> str:
    return payment_notification_receive(provider_name="test", body=body, headers=headers).outcome


def _to_paid(order: Order) -> int:
    return OrderStatusChange.objects.filter(order=order, to_status="paid").count()


def test_different_notifications_for_one_payment_pay_the_order_once(pending):
    order, payment, coupon = pending
    deliveries = [signed(payment, notification_id=f"N{i}") for i in range(N)]
    results = run_at_once(N, lambda i: _receive(*deliveries[i]))
    assert Counter(results) == {"paid": 1, "already_settled": N - 1}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert _to_paid(order) == 1
    assert PaymentNotification.objects.count() == N
    assert Redemption.objects.filter(coupon=coupon).count() == 1


def test_one_notification_delivered_at_once_is_kept_once(pending):
    order, payment, _ = pending
    body, headers = signed(payment, notification_id="N-same")
    results = run_at_once(N, lambda _: _receive(body, headers))
    assert Counter(results) == {"paid": 1, "duplicate": N - 1}
    assert PaymentNotification.objects.count() == 1
    assert _to_paid(order) == 1


def test_a_payment_racing_the_expiry_ends_in_one_state(pending):
    order, payment, coupon = pending
    body, headers = signed(payment)
    later = clock.now() + timedelta(hours=1)
    results = run_at_once(
        2, lambda i: _receive(body, headers) if i == 0 else online_orders_expire(at=later)
    )
    order.refresh_from_db()
    coupon.refresh_from_db()
    if results[0] == "paid":
        assert results[1] == 0
        assert order.status == Order.Status.PAID
        assert coupon.state == Coupon.State.REDEEMED
    else:
        assert results == ["late", 1]
        assert order.status == Order.Status.CANCELLED
        assert coupon.state == Coupon.State.ISSUED
    assert OrderStatusChange.objects.filter(order=order).count() == 2


def test_a_double_submitted_checkout_makes_one_order():
    make_shop()
    member = make_member()
    form = token()
    data = checkout([("JK100-M", 1)])
    results = run_at_once(8, lambda _: place(member, data, form).pk)
    assert len(set(results)) == 1, results
    assert Order.objects.count() == 1
