"""Cancelling a paid online order before fulfilment: the money back through the provider, the
stock, coupons and points given back, settlement taken back; a cancel after fulfilment and a
second cancel change nothing. Provider refunds for online returns, and refund notifications."""

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
from omniloop.inventory.models import StockLevel
from omniloop.loyalty.selectors import points_balance
from omniloop.orders.cancel import order_cancel
from omniloop.orders.models import Order, OrderStatusChange, Payment
from omniloop.orders.online_settle import online_orders_expire
from omniloop.orders.payments import test_provider
from omniloop.orders.payments.refunds import RESUBMIT_AFTER, refund_submit, refunds_resubmit
from omniloop.orders.payments.services import payment_notification_receive
from omniloop.orders.pickup import pickup_collect, pickup_mark_ready
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from omniloop.settlement.models import SettlementEntry
from tests.factories import make_member, make_store
from tests.orders.online_helpers import checkout, payload, place, post_notification, signed, start
from tests.orders.pickup_helpers import paid_pickup, stock
from tests.promotions.pricing_helpers import issued_coupon, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, django_capture_on_commit_callbacks):
    """A member bound to sh01 paid ¥399 - ¥50 coupon + ¥10 shipping = ¥359 online through the
    test provider."""
    shop = make_shop()
    member = make_member()
    binding_touch(member=member, store_id=shop.store.pk, assistant_id=None, source="scan")
    coupon = issued_coupon(member)
    CouponTemplate.objects.filter(pk=coupon.template_id).update(restore_on_return=False)
    order = place(member, checkout([("JK100-M", 1)], codes=(coupon.code,)))
    charge = start(order)
    assert post_notification(client, *signed(charge)).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID and order.total == Decimal("359.00")
    return order, member, coupon, charge


def _refunds(order: Order) -> list[tuple[Decimal, str]]:
    return list(
        Payment.objects.filter(order=order, kind=Payment.Kind.REFUND)
        .order_by("pk")
        .values_list("amount", "status")
    )


def _settled(order: Order) -> Decimal:
    return SettlementEntry.objects.filter(order=order).aggregate(s=Sum("amount"))["s"]


def test_cancel_gives_everything_back_through_the_provider(
    paid, django_capture_on_commit_callbacks
):
    order, member, coupon, charge = paid
    assert points_balance(member_id=member.pk) == 349
    assert _settled(order) == Decimal("359.00")
    with django_capture_on_commit_callbacks(execute=True):
        result = order_cancel(order_number=order.number, reason="changed my mind")
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert order.refunded_total == Decimal("359.00")
    assert _refunds(order) == [(Decimal("359.00"), Payment.Status.SUCCEEDED)]
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refund.refund_of_id == charge.pk and refund.provider_ref.startswith("TR")
    # Every coupon back on a cancel, even one whose template keeps it used on a return.
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.ISSUED and coupon.order_id is None
    assert Redemption.objects.get(coupon=coupon).reversed_at is not None
    assert result.order_return is not None and result.order_return.coupons_restored == 1
    assert points_balance(member_id=member.pk) == 0  # earned points taken back
    assert _settled(order) == Decimal("0.00")  # settlement taken back by the refunded event
    last = OrderStatusChange.objects.filter(order=order).latest("pk")
    assert (last.from_status, last.to_status) == ("paid", "cancelled")


def test_a_second_cancel_replays_and_refunds_nothing_more(paid, django_capture_on_commit_callbacks):
    order, *_ = paid
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_number=order.number)
    with django_capture_on_commit_callbacks(execute=True):
        again = order_cancel(order_number=order.number)
    assert again.replayed
    assert len(_refunds(order)) == 1
    assert OrderStatusChange.objects.filter(order=order, to_status="cancelled").count() == 1


def test_submitting_a_refund_twice_returns_the_money_once(paid, django_capture_on_commit_callbacks):
    order, *_ = paid
    with django_capture_on_commit_callbacks(execute=False):  # the task is not run
        order_cancel(order_number=order.number)
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refund.status == Payment.Status.PENDING
    assert refund_submit(payment_id=refund.pk) == Payment.Status.SUCCEEDED
    assert refund_submit(payment_id=refund.pk) == Payment.Status.SUCCEEDED
    assert _refunds(order) == [(Decimal("359.00"), Payment.Status.SUCCEEDED)]


def test_a_lost_submission_is_picked_up_by_the_resubmit_job(
    paid, django_capture_on_commit_callbacks
):
    order, *_ = paid
    with django_capture_on_commit_callbacks(execute=False):
        order_cancel(order_number=order.number)
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refunds_resubmit(at=refund.created_at) == 0  # not yet due
    assert refunds_resubmit(at=refund.created_at + RESUBMIT_AFTER) == 1
    assert _refunds(order) == [(Decimal("359.00"), Payment.Status.SUCCEEDED)]


def test_an_async_refund_settles_by_its_verified_notification_once(
    paid, client, settings, django_capture_on_commit_callbacks
):
    order, *_ = paid
    settings.OMNILOOP_PAYMENT_TEST_REFUNDS_ASYNC = True
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_number=order.number)
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refund.status == Payment.Status.PENDING
    body = test_provider.refund_notification_body(
        refund_ref=refund.reference, status="refund_succeeded", amount=refund.amount
    )
    forged = post_notification(client, body, {test_provider.SIGNATURE_HEADER: "0" * 64})
    assert forged.status_code == 400
    assert payload(forged)["code"] == "payment_signature_invalid"
    wrong = test_provider.refund_notification_body(
        refund_ref=refund.reference, status="refund_succeeded", amount=Decimal("1.00")
    )
    r = post_notification(
        client, wrong, {test_provider.SIGNATURE_HEADER: test_provider.sign(wrong)}
    )
    assert payload(r)["code"] == "payment_amount_mismatch"
    refund.refresh_from_db()
    assert refund.status == Payment.Status.PENDING  # nothing changed by either
    headers = {test_provider.SIGNATURE_HEADER: test_provider.sign(body)}
    ok = post_notification(client, body, headers)
    assert payload(ok) == {"outcome": "refunded", "order": order.number}
    assert payload(post_notification(client, body, headers))["outcome"] == "duplicate"
    refund.refresh_from_db()
    assert refund.status == Payment.Status.SUCCEEDED


def test_an_online_return_refunds_its_money_through_the_provider(
    paid, django_capture_on_commit_callbacks
):
    order, _, _, charge = paid
    with django_capture_on_commit_callbacks(execute=True):
        order_return(
            order_number=order.number,
            ret=ReturnInput(reference="RT-1", amount=Decimal("49.00")),
        )
    with django_capture_on_commit_callbacks(execute=True):
        order_return(
            order_number=order.number,
            ret=ReturnInput(reference="RT-2", lines=(ReturnLineInput("JK100-M", 1),)),
        )
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert _refunds(order) == [
        (Decimal("49.00"), Payment.Status.SUCCEEDED),
        (Decimal("310.00"), Payment.Status.SUCCEEDED),
    ]
    assert sum(a for a, _ in _refunds(order)) == charge.amount
    # A retried return asks for the same refund, not another one.
    with django_capture_on_commit_callbacks(execute=True):
        order_return(
            order_number=order.number,
            ret=ReturnInput(reference="RT-2", lines=(ReturnLineInput("JK100-M", 1),)),
        )
    assert len(_refunds(order)) == 2


def test_a_till_sale_return_refunds_in_the_ledger_only(django_capture_on_commit_callbacks):
    from tests.orders.helpers import sell

    shop = make_shop()
    order = sell(shop.store, [("JK100-M", 1)], total="399.00")
    with django_capture_on_commit_callbacks(execute=True):
        order_return(order_number=order.number, ret=ReturnInput(reference="RT-T"))
    assert _refunds(order) == []  # the till hands the cash back


def test_a_cancelled_pickup_releases_its_stock_and_a_collected_one_cannot_be_cancelled(
    django_capture_on_commit_callbacks,
):
    make_shop()
    pickup = make_store("sh02")
    stock(pickup, "JK100-M", 2)
    member = make_member()
    first, _ = paid_pickup(member, pickup, [("JK100-M", 1)])
    second, code = paid_pickup(member, pickup, [("JK100-M", 1)])
    level = StockLevel.objects.get(store=pickup, sku__sku_code="JK100-M")
    assert (level.on_hand, level.reserved) == (2, 2)
    order_cancel(order_number=first.number)
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (2, 1)
    actor = Actor(role=Role.HQ_ADMIN, store_id=None, user_id=None)
    pickup_mark_ready(actor=actor, order_number=second.number)
    pickup_collect(store=pickup, order_number=second.number, code=code)
    with pytest.raises(ApplicationError) as exc:
        order_cancel(order_number=second.number)
    assert exc.value.code == "order_already_fulfilled"
    second.refresh_from_db()
    assert second.status == Order.Status.COMPLETED and second.refunded_total == 0
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (1, 0)


def test_an_unpaid_order_cancels_without_a_refund_and_an_unknown_one_is_404():
    make_shop()
    member = make_member()
    order = place(member, checkout([("JK100-M", 1)]))
    result = order_cancel(order_number=order.number)
    assert result.order.status == Order.Status.CANCELLED and result.order_return is None
    assert _refunds(order) == []
    with pytest.raises(ApplicationError) as exc:
        order_cancel(order_number="nope")
    assert exc.value.code == "order_not_found"


def test_a_late_payment_is_given_back_through_the_provider(django_capture_on_commit_callbacks):
    make_shop()
    order = place(make_member(), checkout([("JK100-M", 1)]))
    charge = start(order)
    online_orders_expire(at=clock.now() + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        result = payment_notification_receive(provider_name="test", **_delivery(charge))
    assert result.outcome == "late"
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert (refund.refund_of_id, refund.amount, refund.status) == (
        charge.pk,
        charge.amount,
        Payment.Status.SUCCEEDED,
    )


def test_a_second_charge_for_a_paid_order_is_given_back_and_only_it(
    client, paid, django_capture_on_commit_callbacks
):
    order, _, _, first = paid
    second = start_again(order)
    with django_capture_on_commit_callbacks(execute=True):
        result = payment_notification_receive(provider_name="test", **_delivery(second))
    assert result.outcome == "late"
    refunds = list(Payment.objects.filter(order=order, kind=Payment.Kind.REFUND))
    assert [(r.refund_of_id, r.amount) for r in refunds] == [(second.pk, second.amount)]
    assert first.pk != second.pk


def _delivery(charge: Payment) -> dict[str, object]:
    body, headers = signed(charge)
    return {"body": body, "headers": headers}


def start_again(order: Order) -> Payment:
    """A second charge for an order already paid (a double tap on a stale pay page)."""

    return Payment.objects.create(
        order_id=order.pk,
        provider="test",
        amount=order.total,
        provider_ref="TP-SECOND-CHARGE",
        created_at=clock.now(),
    )
