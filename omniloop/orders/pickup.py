"""Buy online, pick up in store (到店自提): the store's side (ADR 15).

The mall places a pickup order (`online.online_order_place`) with the stock held at the pickup
store (an inventory reservation under the order number) and a pickup code only the member can
show. Here the store sees its queue, marks an order ready (the member gets a notice and
`pickup_expires_at` starts the hold), and the till verifies the code when the member comes:
the order completes and the held stock leaves the store (the settlement was recorded when it
was paid). An order not
collected by its hold's end is a no-show: refunded whole (money, points, coupons as every
return) and its stock released.

Refusals, each writing nothing: order_not_found (404), not_a_pickup, pickup_wrong_store,
pickup_not_ready, pickup_already_collected (409), pickup_code_invalid (422), too many wrong
codes (429)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from omniloop.accounts.access import Actor
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.core.ratelimit import hit
from omniloop.core.sms import SmsKind, SmsMessage, send_sms
from omniloop.inventory.services import stock_consume, stock_release, stock_reservation_extend
from omniloop.members.selectors import member_phone
from omniloop.orders.models import Order
from omniloop.orders.online import pickup_code_hash
from omniloop.orders.returns import ReturnInput, order_return
from omniloop.orders.status import order_transition
from omniloop.stores.models import Store

log = logging.getLogger(__name__)
S = Order.Status
KIND = "pickup"


def pickup_queue(*, store_id: int) -> QuerySet[Order]:
    """The store's pickup orders still to hand over: paid (to prepare) and ready (waiting)."""
    return (
        Order.objects.filter(
            store_id=store_id, fulfilment=Order.Fulfilment.PICKUP, status__in=[S.PAID, S.READY]
        )
        .select_related("member")
        .prefetch_related("lines__sku__product")
        .order_by("status", "paid_at", "pk")
    )


def _hold_days() -> int:
    return int(getattr(settings, "OMNILOOP_PICKUP_HOLD_DAYS", 3))


def _pickup_for_update(order_number: str) -> Order:
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("store", "member")
        .filter(number=order_number.strip())
        .first()
    )
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    if order.fulfilment != Order.Fulfilment.PICKUP:
        raise Conflict("This order is not a pickup.", code="not_a_pickup")
    return order


@transaction.atomic
def pickup_mark_ready(*, actor: Actor, order_number: str, at: datetime | None = None) -> Order:
    """The store has the goods ready: the member is told, and the hold runs for
    `OMNILOOP_PICKUP_HOLD_DAYS` (3). Store staff reach only their own store's orders (404);
    marking a ready order ready again changes nothing."""
    at = at or clock.now()
    order = _pickup_for_update(order_number)
    if not actor.is_hq and actor.store_id != order.store_id:
        raise NotFound("No such order.", code="order_not_found")
    if order.status == S.READY:
        return order
    if order.status != S.PAID:
        raise Conflict(
            f"An order that is {order.status} cannot be made ready.",
            code="pickup_not_paid",
            extra={"status": order.status},
        )
    until = at + timedelta(days=_hold_days())
    order = order_transition(
        order=order,
        to=S.READY,
        actor_id=actor.user_id,
        at=at,
        note="ready for pickup",
        extra={"pickup_expires_at": until},
    )
    stock_reservation_extend(reference=order.number, kind=KIND, expires_at=until, at=at)
    number, store_name, member = order.number, order.store.name if order.store else "", order.member
    transaction.on_commit(lambda: _notify_ready(member, number, store_name, until))
    return order


def _notify_ready(member: object, number: str, store_name: str, until: datetime) -> None:
    from omniloop.members.models import Member

    if not isinstance(member, Member):
        return
    phone = member_phone(member=member)
    if phone is None:
        return
    text = f"您的订单 {number} 已可在{store_name}自提，请于 {until:%m-%d} 前到店出示取货码。"
    try:
        send_sms(SmsMessage(to_e164=phone.e164, text=text, kind=SmsKind.NOTICE))
    except Exception:  # a notice that fails must not undo the store's work
        log.exception("pickup notice for %s failed", number)


def pickup_collect(
    *, store: Store, order_number: str, code: str, at: datetime | None = None
) -> Order:
    """The till verifies the member's pickup code: the order completes and the held stock
    leaves the store. Five tries per order per 15 minutes (429), counted before the code is
    checked and kept whatever the outcome; every other refusal writes nothing."""
    hit(
        f"pickup_code:{order_number.strip()[:32]}",
        [(5, 900)],
        code="pickup_code_attempts",
        message="Too many tries for this order's pickup code; wait 15 minutes.",
    )
    return _collect(store=store, order_number=order_number, code=code, at=at or clock.now())


@transaction.atomic
def _collect(*, store: Store, order_number: str, code: str, at: datetime) -> Order:
    order = _pickup_for_update(order_number)
    if order.store_id != store.pk:
        raise Conflict(
            "This order is to be picked up at another store.",
            code="pickup_wrong_store",
            extra={"store_code": order.store.code if order.store else None},
        )
    if order.status == S.COMPLETED:
        raise Conflict("This order was already collected.", code="pickup_already_collected")
    if order.status != S.READY:
        raise Conflict(
            "This order is not ready for pickup yet.",
            code="pickup_not_ready",
            extra={"status": order.status},
        )
    if not code.strip() or pickup_code_hash(code) != order.pickup_code_hash:
        raise ValidationFailed("The pickup code is wrong.", code="pickup_code_invalid")
    stock_consume(reference=order.number, kind=KIND, store_id=store.pk, at=at)
    return order_transition(order=order, to=S.COMPLETED, at=at, note="collected at the till")


def pickup_release_no_shows(*, at: datetime | None = None) -> int:
    """Ready orders not collected by the end of their hold: refunded whole (money, points and
    coupons as any return) and their stock released. Each in its own transaction; idempotent."""
    at = at or clock.now()
    due = list(
        Order.objects.filter(
            fulfilment=Order.Fulfilment.PICKUP, status=S.READY, pickup_expires_at__lte=at
        ).values_list("number", flat=True)
    )
    released = 0
    for number in due:
        with transaction.atomic():
            order = _pickup_for_update(number)
            if order.status != S.READY:
                continue
            stock_release(reference=number, kind=KIND, at=at)
            order_return(
                order_number=number,
                ret=ReturnInput(reference=f"noshow:{number}", reason="not collected"),
                at=at,
            )
            released += 1
    return released
