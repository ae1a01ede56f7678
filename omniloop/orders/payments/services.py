"""Starting a charge for an order and settling it from a provider's notification.

Invariants:
- a notification that does not verify writes nothing (`payment_signature_invalid`, 400);
- a notification is kept once per (provider, notification id) by a unique index: the same
  notification again is a no-op, even when both arrive at once;
- a payment settles once: it is locked, and only a pending payment moves; a second, different
  notification for a settled payment changes nothing;
- an amount that is not the payment's is refused and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from django.db import IntegrityError, transaction

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.orders.models import Order, Payment, PaymentNotification
from omniloop.orders.online_settle import (
    lock_order_with_payments,
    order_cancel_unpaid,
    order_mark_paid,
)
from omniloop.orders.payments.base import (
    REFUND_EVENTS,
    ChargeRequest,
    ChargeStart,
    EventKind,
    PaymentEvent,
)
from omniloop.orders.payments.refunds import refund_notification_apply, refund_request
from omniloop.orders.payments.registry import provider_get


class NotificationOutcome(StrEnum):
    PAID = "paid"  # the payment succeeded and the order is paid
    FAILED = "failed"  # the payment failed and the order was cancelled
    DUPLICATE = "duplicate"  # this notification was already received
    ALREADY_SETTLED = "already_settled"  # another notification settled the payment
    LATE = "late"  # the payment succeeded after the order was cancelled: refunded (ADR 27)
    REFUNDED = "refunded"  # a pending refund went through
    REFUND_FAILED = "refund_failed"  # a pending refund was refused by the provider


@dataclass(frozen=True)
class NotificationResult:
    outcome: NotificationOutcome
    order_number: str


def payment_start(*, order: Order, provider_name: str, return_url: str) -> ChargeStart:
    """A charge for the pending `order` through `provider_name`: the payment row (pending) and
    where to send the shopper. Starting again (the shopper came back) adds a charge; should two
    succeed, the second settles as `late` (to refund), never paying the order twice."""
    if order.status != Order.Status.PENDING:
        raise Conflict("This order is not awaiting payment.", code="order_not_pending")
    provider = provider_get(provider_name)
    to_pay = order.total - order.points_value  # points paid the rest at placement
    start = provider.create_charge(
        ChargeRequest(
            order_number=order.number,
            amount=to_pay,
            description=order.number,
            return_url=return_url,
        )
    )
    Payment.objects.create(
        order=order,
        provider=provider_name,
        kind=Payment.Kind.CHARGE,
        amount=to_pay,
        provider_ref=start.provider_ref,
        created_at=clock.now(),
    )
    return start


def _record(provider: str, event: PaymentEvent, payment: Payment) -> bool:
    """Keep the notification once; False when it was already kept (a replay)."""
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                provider=provider,
                notification_id=event.notification_id,
                payment=payment,
                payload=event.payload,
                received_at=clock.now(),
            )
    except IntegrityError:
        return False
    return True


@transaction.atomic
def payment_notification_receive(
    *, provider_name: str, body: bytes, headers: Mapping[str, str]
) -> NotificationResult:
    """Verify and apply one provider notification (the `/payments/<provider>/notify` body)."""
    provider = provider_get(provider_name)
    event = provider.verify_notification(body=body, headers=headers)  # raises before any write
    if event.kind in REFUND_EVENTS:
        outcome, number = refund_notification_apply(provider_name=provider_name, event=event)
        return NotificationResult(NotificationOutcome(outcome), number)
    found = (
        Payment.objects.filter(provider=provider_name, provider_ref=event.provider_ref)
        .values_list("pk", "order_id")
        .first()
    )
    if found is None:
        raise NotFound("No such payment.", code="payment_unknown")
    payment_id, order_id = found
    order = lock_order_with_payments(order_id)
    payment = Payment.objects.get(pk=payment_id)
    if event.amount != payment.amount:
        raise ValidationFailed(
            f"The notification is for {event.amount}; the payment is {payment.amount}.",
            code="payment_amount_mismatch",
            status=400,
        )
    if not _record(provider_name, event, payment):
        return NotificationResult(NotificationOutcome.DUPLICATE, order.number)
    if payment.status != Payment.Status.PENDING:
        return NotificationResult(NotificationOutcome.ALREADY_SETTLED, order.number)
    now = clock.now()
    if event.kind == EventKind.FAILED:
        Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.FAILED, settled_at=now)
        if order.status == Order.Status.PENDING:
            order_cancel_unpaid(order=order, at=now, note="payment_failed")
        return NotificationResult(NotificationOutcome.FAILED, order.number)
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.SUCCEEDED, settled_at=now)
    if order.status != Order.Status.PENDING:
        # Money for an order that is no longer waiting for it (cancelled, or already paid by
        # another charge): given back whole through the provider, after this commits.
        refund_request(
            order=order,
            amount=payment.amount,
            reference=f"late:{payment.provider}:{payment.provider_ref}",
            at=now,
            charge_id=payment.pk,
        )
        return NotificationResult(NotificationOutcome.LATE, order.number)
    order_mark_paid(order=order, at=now, note=f"{provider_name} {payment.provider_ref}")
    return NotificationResult(NotificationOutcome.PAID, order.number)
