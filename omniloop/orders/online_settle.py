"""What happens to an online order after placement: paid (its coupons redeemed) or cancelled
unpaid (its coupons released), by a payment notification or the unpaid-order expiry job.

Lock order, everywhere: the order's payments (by pk), then the order."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from omniloop.core import clock
from omniloop.inventory.services import stock_release, stock_reservation_extend
from omniloop.loyalty.services import points_restore
from omniloop.orders.events import order_paid
from omniloop.orders.models import Order, Payment
from omniloop.orders.order_coupons import CouponDrop, order_coupons_redeem
from omniloop.orders.points import order_points_earn_paid, restore_expiry
from omniloop.orders.status import order_transition
from omniloop.promotions.coupons import coupons_release

log = logging.getLogger(__name__)


def order_mark_paid(*, order: Order, at: datetime, note: str = "") -> Order:
    """pending -> paid (caller holds the order's lock); see `order_mark_paid_reporting`."""
    return order_mark_paid_reporting(order=order, at=at, note=note)[0]


def order_mark_paid_reporting(
    *, order: Order, at: datetime, note: str = ""
) -> tuple[Order, list[CouponDrop]]:
    """pending -> paid (caller holds the order's lock): the coupons the checkout priced in are
    redeemed under its reservation, use by use (`order_coupons_redeem`). A shared code whose
    limit filled while the shopper paid is honoured (the shopper paid the quoted price), noted
    on the status change and returned with the other uses that could not be redeemed."""
    dropped = order_coupons_redeem(order=order, at=at)
    problem = "".join(f" coupon not redeemed: {d.reason}" for d in dropped)
    for d in dropped:
        log.warning("order %s paid, coupon not redeemed: %s", order.number, d.reason)
    order = order_transition(
        order=order,
        to=Order.Status.PAID,
        at=at,
        note=(note + problem).strip(),
        extra={"paid_at": at},
    )
    kind = held_kind(order)
    if kind is not None:  # held until the store hands it over or ships it
        stock_reservation_extend(reference=order.number, kind=kind, expires_at=None, at=at)
    if order.member_id is not None:
        order_points_earn_paid(order, at)
    order_paid(order.pk)  # settlement and member features (orders.events)
    return order, dropped


def order_cancel_unpaid(*, order: Order, at: datetime, note: str) -> Order:
    """pending -> cancelled (caller holds the lock): the held coupons are free again. Its
    payments are left as the provider last told us: one that succeeds after all settles as
    `late` (to be refunded), never reviving the order."""
    coupons_release(ref=order.number)
    kind = held_kind(order)
    if kind is not None:
        stock_release(reference=order.number, kind=kind, at=at)
    if order.points_redeemed and order.member is not None:  # burned at placement: back
        points_restore(
            member=order.member,
            points=order.points_redeemed,
            reference=f"order:{order.number}:unburn",
            expires_at=restore_expiry(order, at),
            note=f"Order {order.number} not paid",
            at=at,
        )
    return order_transition(order=order, to=Order.Status.CANCELLED, at=at, note=note)


def lock_order_with_payments(order_id: int) -> Order:
    # NO KEY UPDATE: a refund row inserted under the order's lock (a return, ADR 27) takes a
    # key-share lock on its charge; a full row lock here would deadlock against it.
    payments = Payment.objects.select_for_update(no_key=True).filter(order_id=order_id)
    list(payments.order_by("pk"))
    return Order.objects.select_for_update().get(pk=order_id)


def online_orders_expire(*, at: datetime | None = None) -> int:
    """Cancel every online order still pending `OMNILOOP_PAYMENT_TIMEOUT_MINUTES` after it was
    placed, releasing its coupons. Each order in its own transaction; one paid meanwhile is
    left alone. Returns how many were cancelled. Run every minute (`orders_expire_unpaid`)."""
    at = at or clock.now()
    cutoff = at - timedelta(minutes=settings.OMNILOOP_PAYMENT_TIMEOUT_MINUTES)
    due = list(
        Order.objects.filter(status=Order.Status.PENDING, ordered_at__lte=cutoff)
        # A marketplace order is paid on the platform, which tells us when it is cancelled.
        .exclude(flow__in=[Order.Flow.STORE_SALE, Order.Flow.MARKETPLACE])
        .values_list("pk", flat=True)
    )
    cancelled = 0
    for order_id in due:
        with transaction.atomic():
            order = lock_order_with_payments(order_id)
            if order.status != Order.Status.PENDING:
                continue
            order_cancel_unpaid(order=order, at=at, note="payment_timeout")
            cancelled += 1
    return cancelled


def held_kind(order: Order) -> str | None:
    """The stock reservation kind an online order holds at a store, if it holds one."""
    if order.fulfilment == Order.Fulfilment.PICKUP:
        return "pickup"
    if order.flow == Order.Flow.SHIP_FROM_STORE:
        return "ship_from_store"
    return None
