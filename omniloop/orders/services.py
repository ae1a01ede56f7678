from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from omniloop.accounts.selectors import assistant_for_store
from omniloop.attribution.services import binding_touch, credit_for_till_sale
from omniloop.attribution.values import BindingOutcome
from omniloop.catalog.models import Sku
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.members.models import Member
from omniloop.members.selectors import member_identify
from omniloop.orders.models import Order, OrderLine
from omniloop.orders.values import TillSaleInput
from omniloop.stores.models import Store
from omniloop.stores.selectors import channel_for_store_till

CENT = Decimal("0.01")
FUTURE_TOLERANCE = timedelta(minutes=10)  # till clocks drift; a sale from tomorrow is a bug


def new_order_number(at: datetime) -> str:
    return at.strftime("%y%m%d") + secrets.token_hex(5).upper()


def _local(at: datetime | None, store: Store) -> datetime:
    if at is None:
        return clock.now()
    if timezone.is_naive(at):
        return timezone.make_aware(at, store.tzinfo)
    return at


def _check_money(value: Decimal, field: str) -> Decimal:
    if value < 0 or value != value.quantize(CENT):
        raise ValidationFailed(
            f"{field} must be a non-negative amount with at most 2 decimals.",
            code="amount_invalid",
            extra={"field": field},
        )
    return value


@transaction.atomic
def till_sale_record(*, store: Store, sale: TillSaleInput) -> tuple[Order, BindingOutcome | None]:
    """Record a completed till sale, credit it by the binding rules and bind an unbound member
    to this store (a till sale is a touch). Lines must add up to the total; nothing is written
    unless everything is valid."""
    if not sale.lines:
        raise ValidationFailed("A sale has at least one line.", code="sale_no_lines")
    if not sale.receipt_no.strip():
        raise ValidationFailed("receipt_no is required.", code="receipt_required")
    member: Member | None = None
    if sale.member_code or sale.phone or sale.card_number:
        member = member_identify(
            phone=sale.phone, member_code=sale.member_code, card_number=sale.card_number
        )
    assistant_id = (
        assistant_for_store(store_id=store.pk, assistant_ref=sale.assistant).pk
        if sale.assistant
        else None
    )
    refs = {line.sku for line in sale.lines}
    skus = {s.sku_code: s for s in Sku.objects.filter(sku_code__in=refs)}
    skus.update({s.barcode: s for s in Sku.objects.filter(barcode__in=refs - skus.keys())})
    unknown = sorted(refs - skus.keys())
    if unknown:
        raise ValidationFailed(
            "Unknown SKU or barcode.", code="sku_unknown", extra={"unknown": unknown}
        )
    line_sum = Decimal("0")
    discount_sum = Decimal("0")
    for i, line in enumerate(sale.lines):
        if line.quantity <= 0:
            raise ValidationFailed(
                "Quantities are positive.", code="quantity_invalid", extra={"line": i}
            )
        _check_money(line.unit_price, f"lines[{i}].unit_price")
        _check_money(line.discount, f"lines[{i}].discount")
        _check_money(line.amount, f"lines[{i}].amount")
        if line.amount != line.unit_price * line.quantity - line.discount:
            raise ValidationFailed(
                "A line's amount is unit_price x quantity - discount.",
                code="line_amount_mismatch",
                extra={"line": i},
            )
        line_sum += line.amount
        discount_sum += line.discount
    if _check_money(sale.total, "total") != line_sum:
        raise ValidationFailed(
            "The total is not the sum of the lines.",
            code="total_mismatch",
            extra={"lines_sum": str(line_sum)},
        )
    ordered_at = _local(sale.ordered_at, store)
    if ordered_at > clock.now() + FUTURE_TOLERANCE:
        raise ValidationFailed("ordered_at is in the future.", code="ordered_at_future")
    credit = credit_for_till_sale(member=member, store_id=store.pk, assistant_id=assistant_id)
    channel = channel_for_store_till()
    try:
        with transaction.atomic():
            order = Order.objects.create(
                number=new_order_number(ordered_at),
                channel=channel,
                store=store,
                receipt_no=sale.receipt_no.strip()[:64],
                member=member,
                credited_store_id=credit.store_id,
                credited_assistant_id=credit.assistant_id,
                credit_rule=credit.rule,
                total=sale.total,
                discount_total=discount_sum,
                ordered_at=ordered_at,
            )
    except IntegrityError as exc:
        raise Conflict("This receipt was already recorded.", code="receipt_duplicate") from exc
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                sku=skus[line.sku],
                quantity=line.quantity,
                unit_price=line.unit_price,
                discount=line.discount,
                amount=line.amount,
            )
            for line in sale.lines
        ]
    )
    outcome = None
    if member is not None:
        outcome = binding_touch(
            member=member,
            store_id=store.pk,
            assistant_id=assistant_id,
            source="till_sale",
            at=ordered_at,
        )
    return order, outcome


def merge_orders(survivor: Member, merged: Member) -> int:
    return Order.objects.filter(member=merged).update(member=survivor)
