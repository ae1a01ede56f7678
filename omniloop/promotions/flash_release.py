"""How a flash-sale claim ends: paid by an order, or released when not paid in time (its units go
back to the sale's stock and to the member's allowance, and the claim is marked released).
Releasing is safe to run from several workers at once (claims are taken with SKIP LOCKED) and to
run again (a released claim stays released).

Lock order, the same as a claim's (see `flash`): claim rows, then tally rows in (sale, member)
order, then sale rows in id order.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from functools import partial

from django.db import transaction
from django.db.models import F

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound
from omniloop.promotions import flash_gate
from omniloop.promotions.models import FlashSale, FlashSaleClaim, FlashSaleTally


def flash_claim_pay(*, claim_id: int, order_id: int, at: datetime | None = None) -> FlashSaleClaim:
    """Mark a held claim paid by `order_id` (called by the order flow). Paying again with the same
    order is a no-op; an expired, released or otherwise paid claim is refused (409)."""
    now = at or clock.now()
    with transaction.atomic():
        paid = FlashSaleClaim.objects.filter(
            pk=claim_id, state=FlashSaleClaim.State.HELD, held_until__gt=now
        ).update(state=FlashSaleClaim.State.PAID, order_id=order_id)
        claim = FlashSaleClaim.objects.filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("No such flash-sale claim.", code="flash_claim_not_found")
    if paid or (claim.state == FlashSaleClaim.State.PAID and claim.order_id == order_id):
        return claim
    if claim.state == FlashSaleClaim.State.PAID:
        raise Conflict("This claim was paid by another order.", code="flash_claim_paid")
    if claim.state == FlashSaleClaim.State.RELEASED:
        raise Conflict("This claim was released.", code="flash_claim_released")
    raise Conflict("The time to pay for this claim is over.", code="flash_claim_expired")


def flash_release_expired(*, at: datetime | None = None, batch: int = 500) -> int:
    """Release every held claim whose `held_until` has passed; returns how many were released."""
    now = at or clock.now()
    released = 0
    while True:
        count = _release_batch(now, batch)
        released += count
        if count < batch:
            return released


def _release_batch(now: datetime, batch: int) -> int:
    with transaction.atomic():
        claims = list(
            FlashSaleClaim.objects.select_for_update(skip_locked=True)
            .filter(state=FlashSaleClaim.State.HELD, held_until__lte=now)
            .order_by("pk")
            .only("pk", "flash_sale_id", "member_id", "quantity")[:batch]
        )
        if not claims:
            return 0
        FlashSaleClaim.objects.filter(
            pk__in=[c.pk for c in claims], state=FlashSaleClaim.State.HELD
        ).update(state=FlashSaleClaim.State.RELEASED)
        per_tally: Counter[tuple[int, int]] = Counter()
        per_sale: Counter[int] = Counter()
        for c in claims:
            per_tally[(c.flash_sale_id, c.member_id)] += c.quantity
            per_sale[c.flash_sale_id] += c.quantity
        for (sale_id, member_id), quantity in sorted(per_tally.items()):
            FlashSaleTally.objects.filter(
                flash_sale_id=sale_id, member_id=member_id, quantity__gte=quantity
            ).update(quantity=F("quantity") - quantity)
        for sale_id, quantity in sorted(per_sale.items()):
            FlashSale.objects.filter(pk=sale_id).update(stock_left=F("stock_left") + quantity)
            # Stock came back: drop the gate's counter once committed; it reloads from the rows.
            transaction.on_commit(partial(flash_gate.forget, sale_id))
    return len(claims)
