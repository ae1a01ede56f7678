"""Returns and refunds (退货退款) for orders of every channel, full or partial (ADR 15).

What a return gives back, and why:
- Goods: each returned unit refunds its line's net amount (after every discount and coupon, as
  the engine allocated it), pro rata to the fen; the last units of a line refund what is left
  of it, so a line never refunds more than it took. The shipping fee comes back with the
  return that completes the order.
- Money and points: a refund is paid back in the proportions the order was paid: the points'
  share as points (re-credited, expiring when the spent lots would have), the rest in money.
- Earned points are taken back in proportion to the refund (the return completing the order
  takes back all that is left); what the member already spent becomes a debt, paid first from
  their next earnings (`loyalty.services.points_reverse`).
- Coupons: a coupon's use comes back only when the whole order is refunded, and only where its
  template says `restore_on_return`; on a partial return it stays used (its discount stays with
  the lines it was allocated to, so the refund already nets it out).
- An explicit `amount` is a money refund without goods (a price adjustment, a goodwill
  gesture): never more than is left to refund (`refund_exceeds_paid`).

Everything happens in one transaction under the order's row lock; `reference` makes a retried
return replay its first answer (another return under the same reference: 409)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import F, Sum

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.loyalty.earning import points_for_value
from omniloop.loyalty.services import points_restore, points_reverse
from omniloop.orders.events import OrderRefunded, order_refunded
from omniloop.orders.models import Order, OrderLine, OrderReturn, OrderReturnLine, OrderStatusChange
from omniloop.orders.payments.refunds import refund_request
from omniloop.orders.points import restore_expiry
from omniloop.promotions.coupons_redeem import coupons_restore_for_order
from omniloop.stores.models import Store

CENT = Decimal("0.01")
RETURNABLE = frozenset(
    {Order.Status.PAID, Order.Status.READY, Order.Status.SHIPPED, Order.Status.COMPLETED}
)


@dataclass(frozen=True)
class ReturnLineInput:
    sku: str  # SKU code or barcode, as the till scans it
    quantity: int


@dataclass(frozen=True)
class ReturnInput:
    reference: str
    lines: tuple[ReturnLineInput, ...] = ()  # none and no amount: everything not yet returned
    amount: Decimal | None = None  # a money-only refund (no goods back)
    reason: str = ""


@dataclass(frozen=True)
class ReturnResult:
    order_return: OrderReturn
    order: Order
    replayed: bool = False


def _fingerprint(order_number: str, ret: ReturnInput) -> str:
    body = {
        "order": order_number,
        "lines": sorted((li.sku, li.quantity) for li in ret.lines),
        "amount": str(ret.amount) if ret.amount is not None else None,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _replay(ret: ReturnInput, fingerprint: str) -> ReturnResult | None:
    existing = OrderReturn.objects.select_related("order").filter(reference=ret.reference).first()
    if existing is None:
        return None
    if existing.fingerprint != fingerprint:
        raise Conflict(
            "This return reference was already used for another return.",
            code="return_reference_conflict",
        )
    return ReturnResult(order_return=existing, order=existing.order, replayed=True)


def _pick_lines(order: Order, wanted: tuple[ReturnLineInput, ...]) -> list[tuple[OrderLine, int]]:
    """The order lines the returned units come off: by SKU code or barcode, paid lines before
    free gifts, earlier lines first."""
    lines = list(order.lines.select_related("sku").order_by("-amount", "pk"))
    left = {line.pk: line.quantity - line.returned_quantity for line in lines}
    picked: dict[int, int] = {}
    for i, item in enumerate(wanted):
        if type(item.quantity) is not int or item.quantity < 1:
            raise ValidationFailed(
                f"lines[{i}].quantity must be at least 1.",
                code="quantity_invalid",
                extra={"line": i},
            )
        need = item.quantity
        matching = [ln for ln in lines if item.sku in (ln.sku.sku_code, ln.sku.barcode)]
        if not matching:
            raise ValidationFailed(
                f"{item.sku} is not on this order.",
                code="return_sku_not_on_order",
                extra={"line": i, "sku": item.sku},
            )
        for line in matching:
            take = min(need, left[line.pk])
            if take:
                picked[line.pk] = picked.get(line.pk, 0) + take
                left[line.pk] -= take
                need -= take
        if need:
            can = item.quantity - need
            raise ValidationFailed(
                f"Only {can} of {item.sku} can still be returned.",
                code="return_quantity_exceeds",
                extra={"line": i, "sku": item.sku, "returnable": can},
            )
    by_pk = {line.pk: line for line in lines}
    return [(by_pk[pk], q) for pk, q in sorted(picked.items())]


def _line_refund(line: OrderLine, quantity: int) -> Decimal:
    """What `quantity` more units of `line` refund: pro rata, and the rest of the line with its
    last units."""
    already = line.return_lines.aggregate(s=Sum("amount"))["s"] or Decimal(0)
    if line.returned_quantity + quantity == line.quantity:
        return line.amount - already
    share = (line.amount * quantity / line.quantity).quantize(CENT, ROUND_HALF_UP)
    return min(share, line.amount - already)


@transaction.atomic
def order_return(
    *,
    order_number: str,
    ret: ReturnInput,
    store: Store | None = None,
    actor_id: int | None = None,
    at: datetime | None = None,
    cancel: bool = False,
) -> ReturnResult:
    """Record a return of `ret.lines` (or everything left, or a money-only `ret.amount`) of an
    order, giving back money, points and coupons as the module's policy says. Refusals:
    order_not_found (404); order_not_returnable, order_fully_refunded,
    return_reference_conflict (409); quantity_invalid, return_sku_not_on_order,
    return_quantity_exceeds, refund_exceeds_paid, return_reference_invalid (422). A refusal
    writes nothing."""
    at = at or clock.now()
    if not ret.reference or len(ret.reference) > 64:
        raise ValidationFailed(
            "A return reference is 1-64 characters.", code="return_reference_invalid"
        )
    fp = _fingerprint(order_number, ret)
    replay = _replay(ret, fp)
    if replay is not None:
        return replay
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("member", "channel")
        .filter(number=order_number)
        .first()
    )
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    replay = _replay(ret, fp)  # the same return may have committed while we waited for the lock
    if replay is not None:
        return replay
    if order.status == Order.Status.REFUNDED:
        raise Conflict("This order is already fully refunded.", code="order_fully_refunded")
    if order.status not in RETURNABLE:
        raise Conflict(
            f"An order that is {order.status} cannot be returned.",
            code="order_not_returnable",
            extra={"status": order.status},
        )
    left = order.total - order.refunded_total
    picked: list[tuple[OrderLine, int]] = []
    if ret.amount is not None:
        amount = ret.amount
        if amount <= 0 or amount != amount.quantize(CENT):
            raise ValidationFailed(
                "amount must be positive with at most 2 decimals.", code="amount_invalid"
            )
        if ret.lines:
            picked = _pick_lines(order, ret.lines)
    else:
        wanted = ret.lines or tuple(
            ReturnLineInput(line.sku.sku_code, line.quantity - line.returned_quantity)
            for line in order.lines.select_related("sku")
            if line.quantity > line.returned_quantity
        )
        if not wanted:
            raise Conflict(
                "Everything on this order was already returned.", code="order_fully_refunded"
            )
        picked = _pick_lines(order, wanted)
    refunds = {line.pk: _line_refund(line, q) for line, q in picked}
    if ret.amount is None:
        amount = sum(refunds.values(), Decimal(0))
    completes = (
        ret.amount is None
        and all(line.returned_quantity + q == line.quantity for line, q in picked)
        and not order.lines.exclude(pk__in=[ln.pk for ln, _ in picked])
        .filter(returned_quantity__lt=F("quantity"))
        .exists()
    )
    if completes:
        amount = left  # the rest of the order, shipping included
    if amount > left:
        raise ValidationFailed(
            f"At most {left} is left to refund on this order; {amount} was asked for.",
            code="refund_exceeds_paid",
            extra={"refundable": str(left), "amount": str(amount)},
        )
    final = amount == left
    before = order.returns.aggregate(
        value=Sum("amount"),
        money=Sum("money_amount"),
        restored=Sum("points_restored"),
        reversed=Sum("points_reversed"),
    )
    points_value_back = (before["value"] or Decimal(0)) - (before["money"] or Decimal(0))
    restored, reversed_ = before["restored"] or 0, before["reversed"] or 0
    # The refund is paid back as the order was paid; the earned points go back in proportion.
    if final:
        points_share = order.points_value - points_value_back
        points_back = order.points_redeemed - restored
        reverse = order.points_earned - reversed_
    else:
        share = (amount * order.points_value / order.total) if order.total else Decimal(0)
        points_share = min(share.quantize(CENT, ROUND_DOWN), order.points_value - points_value_back)
        points_back = points_for_value(points_share) if order.points_redeemed else 0
        earned = int(order.points_earned * amount / order.total) if order.total else 0
        reverse = min(earned, order.points_earned - reversed_)
    order_return_row = OrderReturn.objects.create(
        order=order,
        reference=ret.reference,
        fingerprint=fp,
        store=store,
        amount=amount,
        money_amount=amount - points_share,
        points_restored=points_back,
        points_reversed=reverse,
        reason=ret.reason[:200],
        actor_id=actor_id,
        created_at=at,
    )
    for line, quantity in picked:
        updated = OrderLine.objects.filter(
            pk=line.pk, returned_quantity__lte=line.quantity - quantity
        ).update(returned_quantity=F("returned_quantity") + quantity)
        if updated != 1:  # pragma: no cover - the order lock serialises returns
            raise Conflict("This line was returned meanwhile.", code="return_quantity_exceeds")
        OrderReturnLine.objects.create(
            order_return=order_return_row, line=line, quantity=quantity, amount=refunds[line.pk]
        )
    if cancel and not final:  # pragma: no cover - orders.cancel asks for everything left
        raise Conflict("A cancellation returns the whole order.", code="order_not_returnable")
    money = amount - points_share
    refund_request(order=order, amount=money, reference=f"return:{ret.reference}", at=at)
    end = Order.Status.CANCELLED if cancel else Order.Status.REFUNDED
    new_status = end if final else order.status
    Order.objects.filter(pk=order.pk).update(
        refunded_total=F("refunded_total") + amount, status=new_status
    )
    if new_status != order.status:
        OrderStatusChange.objects.create(
            order=order,
            from_status=order.status,
            to_status=new_status,
            actor_id=actor_id,
            note=f"return {ret.reference}"[:200],
            at=at,
        )
    member = order.member
    if member is not None and points_back:
        points_restore(
            member=member,
            points=points_back,
            reference=f"return:{ret.reference}:restore",
            expires_at=restore_expiry(order, at),
            note=f"Return of order {order.number}",
            at=at,
        )
    if member is not None and reverse:
        result = points_reverse(
            member=member,
            points=reverse,
            reference=f"return:{ret.reference}:reverse",
            note=f"Return of order {order.number}",
            at=at,
        )
        order_return_row.points_owed = result.owed
    if final:
        order_return_row.coupons_restored = coupons_restore_for_order(
            order_id=order.pk, at=at, always=cancel
        ).restored
    order_return_row.save(update_fields=["points_owed", "coupons_restored"])
    if amount:
        order_refunded(OrderRefunded(order_id=order.pk, amount=amount, reference=ret.reference))
    order.refresh_from_db()
    return ReturnResult(order_return=order_return_row, order=order)
