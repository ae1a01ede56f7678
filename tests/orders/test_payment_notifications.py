"""Payment notifications: verified, idempotent, settling an order once; coupons redeemed on
payment, released on failure and on expiry."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings

from omniloop.core import clock
from omniloop.orders.models import Order, OrderStatusChange, Payment, PaymentNotification
from omniloop.orders.online_settle import online_orders_expire
from omniloop.orders.payments.services import NotificationOutcome, payment_notification_receive
from omniloop.orders.payments.test_provider import SIGNATURE_HEADER, sign
from omniloop.promotions.models import Coupon, Redemption
from tests.factories import make_member
from tests.orders.online_helpers import checkout, payload, place, post_notification, signed, start
from tests.promotions.pricing_helpers import issued_coupon, make_shop, shared_code

pytestmark = pytest.mark.django_db
ITEMS = [("JK100-M", 1)]


@pytest.fixture
def pending():
    make_shop()
    member = make_member()
    coupon = issued_coupon(member)
    order = place(member, checkout(ITEMS, codes=(coupon.code,)))
    return order, start(order), coupon


def _history(order: Order) -> list[tuple[str, str]]:
    return list(
        OrderStatusChange.objects.filter(order=order)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def test_a_valid_notification_pays_the_order_and_redeems_its_coupon(client, pending):
    order, payment, coupon = pending
    response = post_notification(client, *signed(payment))
    assert response.status_code == 200
    assert payload(response) == {"outcome": "paid", "order": order.number}
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.paid_at is not None
    assert _history(order) == [("", "pending"), ("pending", "paid")]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED
    assert coupon.order_id == order.pk
    redemption = Redemption.objects.get(coupon=coupon)
    assert redemption.order_id == order.pk
    assert redemption.discount == Decimal("50.00")


def test_a_forged_notification_is_refused_and_writes_nothing(client, pending):
    order, payment, coupon = pending
    body, _ = signed(payment)
    response = post_notification(client, body, {"X-Test-Signature": "0" * 64})
    assert response.status_code == 400
    assert payload(response)["code"] == "payment_signature_invalid"
    tampered = body.replace(b'"succeeded"', b'"failed"')
    _, good_headers = signed(payment)
    assert post_notification(client, tampered, good_headers).status_code == 400
    assert post_notification(client, body, {}).status_code == 400
    assert PaymentNotification.objects.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PENDING
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.RESERVED


def test_a_replayed_notification_is_a_no_op(client, pending):
    order, payment, _ = pending
    body, headers = signed(payment, notification_id="N-once")
    assert payload(post_notification(client, body, headers))["outcome"] == "paid"
    again = post_notification(client, body, headers)
    assert again.status_code == 200
    assert payload(again)["outcome"] == NotificationOutcome.DUPLICATE
    assert PaymentNotification.objects.count() == 1
    assert _history(order) == [("", "pending"), ("pending", "paid")]
    assert Redemption.objects.filter(order_id=order.pk).count() == 1


def test_two_notifications_for_one_payment_settle_it_once(client, pending):
    order, payment, _ = pending
    assert payload(post_notification(client, *signed(payment)))["outcome"] == "paid"
    second = post_notification(client, *signed(payment, status="failed"))
    assert payload(second)["outcome"] == NotificationOutcome.ALREADY_SETTLED
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert PaymentNotification.objects.count() == 2
    assert _history(order) == [("", "pending"), ("pending", "paid")]


def test_an_amount_mismatch_is_refused_and_writes_nothing(client, pending):
    order, payment, _ = pending
    response = post_notification(client, *signed(payment, amount=payment.amount - 1))
    assert response.status_code == 400
    assert payload(response)["code"] == "payment_amount_mismatch"
    assert PaymentNotification.objects.count() == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_unknown_payment_and_provider_are_refused(client, pending):
    _, payment, _ = pending
    body, _ = signed(payment)
    unknown = body.replace(payment.provider_ref.encode(), b"TPX")
    response = post_notification(client, unknown, {SIGNATURE_HEADER: sign(unknown)})
    assert response.status_code == 404
    assert payload(response)["code"] == "payment_unknown"
    response = client.post("/payments/nosuch/notify", data=body, content_type="application/json")
    assert response.status_code == 404
    assert payload(response)["code"] == "payment_provider_unknown"
    assert PaymentNotification.objects.count() == 0


def test_a_failed_payment_cancels_the_order_and_releases_its_coupon(client, pending):
    order, payment, coupon = pending
    assert payload(post_notification(client, *signed(payment, status="failed")))["outcome"] == (
        "failed"
    )
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert _history(order) == [("", "pending"), ("pending", "cancelled")]
    coupon.refresh_from_db()
    assert (coupon.state, coupon.reservation_ref) == (Coupon.State.ISSUED, "")
    assert not Redemption.objects.filter(order_id=order.pk).exists()


def test_an_unpaid_order_expires_and_releases_its_coupon(pending):
    order, _, coupon = pending
    minutes = settings.OMNILOOP_PAYMENT_TIMEOUT_MINUTES
    assert online_orders_expire(at=clock.now() + timedelta(minutes=minutes - 1)) == 0
    assert online_orders_expire(at=clock.now() + timedelta(minutes=minutes + 1)) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.ISSUED
    assert online_orders_expire(at=clock.now() + timedelta(minutes=minutes + 2)) == 0


def test_a_payment_after_expiry_is_late_and_leaves_the_order_cancelled(pending):
    order, payment, _ = pending
    online_orders_expire(at=clock.now() + timedelta(hours=2))
    body, headers = signed(payment)
    result = payment_notification_receive(provider_name="test", body=body, headers=headers)
    assert result.outcome == NotificationOutcome.LATE
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.SUCCEEDED
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert _history(order) == [("", "pending"), ("pending", "cancelled")]


def test_a_shared_code_is_taken_when_the_order_is_paid(client):
    make_shop()
    member = make_member()
    template = shared_code("SPRING20")
    order = place(member, checkout(ITEMS, codes=("SPRING20",)))
    template.refresh_from_db()
    assert template.shared_code_used == 0
    payment = start(order)
    assert payload(post_notification(client, *signed(payment)))["outcome"] == "paid"
    template.refresh_from_db()
    assert template.shared_code_used == 1
    assert Redemption.objects.get(order_id=order.pk).discount == Decimal("20.00")


def test_a_shared_code_filled_meanwhile_leaves_the_orders_coupon_redeemed(client):
    # Uses are redeemed one by one (orders.order_coupons, ADR 43): the filled shared code is
    # noted, the single-use coupon is still redeemed rather than left held.
    make_shop()
    member = make_member()
    coupon = issued_coupon(member)
    template = shared_code("SPRING20", stacking_group="shared")
    template.shared_code_limit = 1
    template.save(update_fields=["shared_code_limit"])
    order = place(member, checkout(ITEMS, codes=(coupon.code, "SPRING20")))
    assert sorted(order.coupon_uses.values_list("discount_fen", flat=True)) == [2000, 5000]
    type(template).objects.filter(pk=template.pk).update(shared_code_used=1)  # filled meanwhile
    payment = start(order)
    assert payload(post_notification(client, *signed(payment)))["outcome"] == "paid"
    coupon.refresh_from_db()
    assert (coupon.state, coupon.order_id) == (Coupon.State.REDEEMED, order.pk)
    assert list(Redemption.objects.values_list("coupon_id", "order_id")) == [(coupon.pk, order.pk)]
    paid = OrderStatusChange.objects.get(order=order, to_status="paid")
    assert "coupon not redeemed: coupon_limit_reached" in paid.note
