"""Money back through the payment provider that took it: online returns and cancellations.

The refund is decided in the refund's own transaction (the return or the cancellation, under
the order's lock): one pending `Payment` row of kind `refund` per charge it draws on, with our
refund number (`reference`, derived from the return's reference, so a retried return asks for
the same refund). The provider is called only after that transaction commits (a provider call
inside it could return money for a refund that then rolls back): `refund_submit` runs on
commit as a task and again from the `refunds_resubmit` job for any refund still pending, and
providers are idempotent by our refund number, so asking twice returns the money once.

The provider answers succeeded, failed or pending; a pending refund settles by the provider's
notification, verified and kept once exactly as a payment's (`refund_notification_apply`).
Charges of providers we do not run (a marketplace's, a till's cash) are never refunded here:
their money goes back where it was taken."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.orders.models import Order, Payment, PaymentNotification
from omniloop.orders.payments.base import EventKind, PaymentEvent
from omniloop.orders.payments.registry import enabled_providers, provider_get

log = logging.getLogger(__name__)
RESUBMIT_AFTER = timedelta(minutes=2)


def refund_number(reference: str) -> str:
    """Our refund number for a refund reference: short, stable, the same on every retry."""
    return "RF" + hashlib.sha256(reference.encode()).hexdigest()[:24].upper()


def _refunded(charge: Payment) -> Decimal:
    total = charge.refunds.exclude(status=Payment.Status.FAILED).aggregate(s=Sum("amount"))["s"]
    return total or Decimal("0.00")


def refund_request(
    *,
    order: Order,
    amount: Decimal,
    reference: str,
    at: datetime | None = None,
    charge_id: int | None = None,
) -> list[Payment]:
    """Ask the providers that charged `order` to give back `amount` (the caller holds the
    order's lock, inside the refund's transaction). Draws on the succeeded charges of our
    providers, oldest first, each up to what it has not yet refunded. Idempotent by
    `reference`. An order no provider of ours charged gets nothing here (an empty list); a
    refund above what our providers took is refused (`refund_exceeds_charged`, 409).
    `charge_id`: draw on that charge only (a late payment given back)."""
    if amount <= 0:
        return []
    at = at or clock.now()
    number = refund_number(reference)
    existing = list(
        Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).filter(
            reference__startswith=number
        )
    )
    if existing:
        return existing
    succeeded = Payment.objects.filter(
        order=order,
        kind=Payment.Kind.CHARGE,
        status=Payment.Status.SUCCEEDED,
        provider__in=enabled_providers(),
    )
    if charge_id is not None:
        succeeded = succeeded.filter(pk=charge_id)
    charges = list(succeeded.order_by("pk"))
    if not charges:
        return []
    plan: list[tuple[Payment, Decimal]] = []
    left = amount
    for charge in charges:
        room = charge.amount - _refunded(charge)
        take = min(room, left)
        if take > 0:
            plan.append((charge, take))
            left -= take
    if left > 0:
        raise Conflict(
            f"{left} more than the provider charged would be refunded.",
            code="refund_exceeds_charged",
            extra={"amount": str(amount)},
        )
    refunds = [
        Payment.objects.create(
            order=order,
            provider=charge.provider,
            kind=Payment.Kind.REFUND,
            amount=take,
            provider_ref=f"{number}-{i}" if i else number,  # replaced by the provider's id
            reference=f"{number}-{i}" if i else number,
            refund_of=charge,
            created_at=at,
        )
        for i, (charge, take) in enumerate(plan)
    ]
    ids = [r.pk for r in refunds]
    transaction.on_commit(lambda: _enqueue(ids))
    return refunds


def _enqueue(ids: list[int]) -> None:
    from omniloop.orders.tasks import refund_submit_task

    for payment_id in ids:
        refund_submit_task.enqueue(payment_id)


def refund_submit(*, payment_id: int) -> str:
    """Send one pending refund to its provider (outside any transaction: no lock is held over
    the network) and record the answer. Safe to run twice at once: the provider dedups by our
    refund number and only a pending row moves. Returns the refund's status."""
    refund = Payment.objects.select_related("refund_of").get(pk=payment_id)
    if refund.status != Payment.Status.PENDING or refund.refund_of is None:
        return refund.status
    provider = provider_get(refund.provider)
    answer = provider.refund(
        provider_ref=refund.refund_of.provider_ref,
        amount=refund.amount,
        refund_ref=refund.reference,
    )
    fields: dict[str, object] = {"provider_ref": answer.provider_ref or refund.provider_ref}
    if not answer.pending:
        fields["status"] = Payment.Status.SUCCEEDED if answer.succeeded else Payment.Status.FAILED
        fields["settled_at"] = clock.now()
    Payment.objects.filter(pk=refund.pk, status=Payment.Status.PENDING).update(**fields)
    if not answer.pending and not answer.succeeded:
        log.warning(
            "refund %s of order %s refused by %s",
            refund.reference,
            refund.order_id,
            refund.provider,
        )
    return str(fields.get("status", Payment.Status.PENDING))


def refunds_resubmit(*, at: datetime | None = None) -> int:
    """Submit again every refund still pending a while after it was asked for (the on-commit
    task was lost, the provider was down, or its notification never came). Returns how many."""
    cutoff = (at or clock.now()) - RESUBMIT_AFTER
    due = Payment.objects.filter(
        kind=Payment.Kind.REFUND, status=Payment.Status.PENDING, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    count = 0
    for payment_id in list(due):
        refund_submit(payment_id=payment_id)
        count += 1
    return count


def refund_notification_apply(*, provider_name: str, event: PaymentEvent) -> tuple[str, str]:
    """A verified refund notification (the caller verified it and holds a transaction):
    settles the pending refund it names, once. Returns (outcome, order number); outcomes are
    `refunded`, `refund_failed`, `duplicate`, `already_settled`."""
    refund = (
        Payment.objects.select_for_update()
        .select_related("order")
        .filter(provider=provider_name, kind=Payment.Kind.REFUND, reference=event.refund_ref)
        .first()
    )
    if refund is None:
        raise NotFound("No such refund.", code="payment_unknown")
    if event.amount != refund.amount:
        raise ValidationFailed(
            f"The notification is for {event.amount}; the refund is {refund.amount}.",
            code="payment_amount_mismatch",
            status=400,
        )
    try:
        with transaction.atomic():
            PaymentNotification.objects.create(
                provider=provider_name,
                notification_id=event.notification_id,
                payment=refund,
                payload=event.payload,
                received_at=clock.now(),
            )
    except IntegrityError:
        return "duplicate", refund.order.number
    if refund.status != Payment.Status.PENDING:
        return "already_settled", refund.order.number
    ok = event.kind == EventKind.REFUND_SUCCEEDED
    Payment.objects.filter(pk=refund.pk).update(
        status=Payment.Status.SUCCEEDED if ok else Payment.Status.FAILED, settled_at=clock.now()
    )
    return ("refunded" if ok else "refund_failed"), refund.order.number
