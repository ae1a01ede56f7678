from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from omniloop.accounts.selectors import assistant_for_store
from omniloop.attribution.services import binding_touch, credit_for_till_sale
from omniloop.attribution.values import BindingOutcome
from omniloop.core import clock, rows
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.tiers import tier_evaluate
from omniloop.members.models import Member
from omniloop.members.selectors import member_identify
from omniloop.orders.events import order_paid
from omniloop.orders.models import Order, OrderLine
from omniloop.orders.points import (
    order_points_burn,
    order_points_earn_quote,
    order_points_post_earn,
    points_payment_check,
)
from omniloop.orders.values import TillSaleInput
from omniloop.promotions.coupon_values import MESSAGES, CouponReason
from omniloop.promotions.coupons import coupons_redeem
from omniloop.promotions.money import to_yuan
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.pricing import quote
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


TILL_CHANNEL_CODE = "store-till"  # stores.selectors.channel_for_store_till's code
# Presented coupons whose state another checkout changed: 409; anything else is a bad request.
_COUPON_CONFLICTS = frozenset(
    {
        CouponReason.ALREADY_REDEEMED,
        CouponReason.RESERVED,
        CouponReason.LIMIT_REACHED,
        CouponReason.MEMBER_LIMIT,
    }
)


def till_quote(
    *,
    store_id: int,
    items: list[tuple[str, int]],
    member_id: int | None,
    coupon_codes: list[str],
    at: datetime | None = None,
    client_key: str | None = None,
    tier: str | None = None,
    zone: tzinfo | None = None,
) -> PricedQuote:
    """What a till sale of these items would cost now: the one pricing the sale itself uses.
    Reads only (the coupon-guessing counter aside)."""
    return quote(
        items=items,
        channel_code=TILL_CHANNEL_CODE,
        store_id=store_id,
        member_id=member_id,
        coupon_codes=coupon_codes,
        at=at,
        client_key=client_key,
        tier=tier,
        zone=zone,
    )


def _refuse_coupons(priced: PricedQuote) -> None:
    """Every presented code must be usable and must apply: a sale commits with all its coupons
    or not at all."""
    if priced.coupon_problems:
        first = priced.coupon_problems[0]
        extra = {
            "coupon_code": first.code,
            "coupons": [{"code": p.code, "reason": p.reason} for p in priced.coupon_problems],
        }
        message = MESSAGES.get(first.reason, "This coupon cannot be used.")
        if first.reason in _COUPON_CONFLICTS:
            raise Conflict(message, code=first.reason, extra=extra)
        raise ValidationFailed(message, code=first.reason, extra=extra)
    if priced.coupons_not_applied:
        code, reason = priced.coupons_not_applied[0]
        raise ValidationFailed(
            "A presented coupon does not apply to this sale.",
            code="coupon_not_applicable",
            extra={"coupon_code": code, "reason": reason},
        )


def _check_client_figures(sale: TillSaleInput, priced: PricedQuote) -> None:
    """The till's own figures are optional; any it sends must be the server's."""
    for i, (line, server) in enumerate(zip(sale.lines, priced.quote.lines, strict=True)):
        expected = {
            "unit_price": to_yuan(server.unit_price),
            "discount": to_yuan(server.discount),
            "amount": to_yuan(server.total),
        }
        for field, value in expected.items():
            sent = getattr(line, field)
            if sent is not None and _check_money(sent, f"lines[{i}].{field}") != value:
                raise ValidationFailed(
                    f"lines[{i}].{field} is {sent}; the price is {value}.",
                    code="price_mismatch",
                    extra={"line": i, "field": field, "expected": str(value)},
                )
    if _check_money(sale.total, "total") != priced.total:
        raise ValidationFailed(
            f"The total is {priced.total}, not {sale.total}.",
            code="total_mismatch",
            extra={"expected_total": str(priced.total)},
        )


def _order_lines(order: Order, priced: PricedQuote) -> list[OrderLine]:
    lines = [
        OrderLine(
            order=order,
            sku_id=q.sku_id,
            quantity=q.quantity,
            unit_price=to_yuan(q.unit_price),
            discount=to_yuan(q.discount),
            amount=to_yuan(q.total),
        )
        for q in priced.quote.lines
    ]
    # Gifts leave the store with the sale: recorded at zero so stock and returns see them.
    lines += [
        OrderLine(
            order=order,
            sku_id=g.sku_id,
            quantity=g.quantity,
            unit_price=Decimal("0"),
            discount=Decimal("0"),
            amount=Decimal("0"),
        )
        for g in priced.quote.gifts
        if g.sku_id in priced.gift_sku_codes
    ]
    return lines


@dataclass(frozen=True)
class _EarningLine:
    category_ids: frozenset[int]
    total: int  # fen


def _earning_lines(priced: PricedQuote) -> list[_EarningLine]:
    """The sale's priced lines with their categories (gifts, at zero, earn nothing)."""
    by_sku = {line.sku_id: line.category_ids for line in priced.basket.lines}
    return [_EarningLine(by_sku.get(q.sku_id, frozenset()), q.total) for q in priced.quote.lines]


def till_sale_record(
    *,
    store: Store,
    sale: TillSaleInput,
    client_key: str | None = None,
    savepoint: bool = True,
) -> tuple[Order, BindingOutcome | None, PricedQuote]:
    """Record a completed till sale priced by the server: catalog prices, the offers live at
    `ordered_at` in the store's time zone, and the presented coupons, which are redeemed in
    this transaction (all of them, or the sale is refused and nothing is written). The till's
    total must equal the server's. The sale is credited by the binding rules and binds an
    unbound member to this store (a till sale is a touch).

    Nested in a caller's transaction it takes a savepoint, so a refused sale leaves the
    caller's work intact; `savepoint=False` is for a caller whose transaction is the sale's and
    rolls back whole on any refusal (the idempotent API call: the key row goes with it), and
    then the sale sends no SAVEPOINT at all (ADR 42)."""
    with transaction.atomic(savepoint=savepoint):
        return _till_sale_write(store=store, sale=sale, client_key=client_key)


def _till_sale_write(
    *, store: Store, sale: TillSaleInput, client_key: str | None
) -> tuple[Order, BindingOutcome | None, PricedQuote]:
    """The sale's reads and writes, inside its transaction. No savepoint below this point:
    anything refused rolls the whole transaction back."""
    if not sale.lines:
        raise ValidationFailed("A sale has at least one line.", code="sale_no_lines")
    if not sale.receipt_no.strip():
        raise ValidationFailed("receipt_no is required.", code="receipt_required")
    member: Member | None = None
    if sale.member_code or sale.phone or sale.card_number:
        member = member_identify(
            phone=sale.phone, member_code=sale.member_code, card_number=sale.card_number
        )
    # Read once for the whole sale, before any row this sale writes or locks but its key: if
    # the policy's row must be made (a flushed table), a parallel sale waits on it holding
    # nothing this one needs.
    policy = points_policy() if member is not None else None
    assistant = (
        assistant_for_store(store_id=store.pk, assistant_ref=sale.assistant)
        if sale.assistant
        else None
    )
    assistant_id = assistant.pk if assistant else None
    ordered_at = _local(sale.ordered_at, store)
    if ordered_at > clock.now() + FUTURE_TOLERANCE:
        raise ValidationFailed("ordered_at is in the future.", code="ordered_at_future")
    channel = channel_for_store_till()
    priced = quote(
        items=[(line.sku, line.quantity) for line in sale.lines],
        channel_code=channel.code,
        store_id=store.pk,
        member_id=member.pk if member else None,
        tier=member.tier if member else None,
        coupon_codes=list(sale.coupon_codes),
        at=ordered_at,
        client_key=client_key,
        zone=store.tzinfo,
    )
    _refuse_coupons(priced)
    _check_client_figures(sale, priced)
    paid_by_points = points_payment_check(
        points=sale.points, member=member, total=priced.total, policy=policy
    )
    credit = credit_for_till_sale(member=member, store_id=store.pk, assistant_id=assistant_id)
    # What the sale earns is known before anything is written: the order is inserted with it.
    earn = (
        order_points_earn_quote(
            member=member,
            lines=[(q.category_ids, to_yuan(q.total)) for q in _earning_lines(priced)],
            paid_by_points=paid_by_points,
            channel_code=channel.code,
            at=ordered_at,
            policy=policy,
        )
        if member is not None
        else None
    )
    order = Order(
        number=new_order_number(ordered_at),
        channel=channel,
        store=store,
        receipt_no=sale.receipt_no.strip()[:64],
        member=member,
        credited_store_id=credit.store_id,
        credited_assistant_id=credit.assistant_id,
        credit_rule=credit.rule,
        total=priced.total,
        discount_total=priced.discount_total,
        points_redeemed=sale.points,
        points_value=paid_by_points,
        points_earned=earn.points if earn is not None else 0,
        ordered_at=ordered_at,
        paid_at=ordered_at,
    )
    try:
        # One fixed INSERT (core.rows). A duplicate receipt fails it, and the refusal rolls
        # back the sale's transaction (or its savepoint): nothing runs on this connection first.
        rows.insert(order)
    except IntegrityError as exc:
        raise Conflict("This receipt was already recorded.", code="receipt_duplicate") from exc
    # The receipt shows who was credited: hand over the rows already loaded (no lazy loads).
    if credit.store_id == store.pk:
        rows.attach(order, "credited_store", store)
    if assistant is not None and credit.assistant_id == assistant.pk:
        rows.attach(order, "credited_assistant", assistant)
    rows.insert_many(_order_lines(order, priced))  # one multi-row INSERT
    if priced.coupons_used:
        coupons_redeem(
            used=priced.coupons_used,
            member_id=member.pk if member else None,
            order_id=order.pk,
            at=ordered_at,
            savepoint=False,
        )
    if member is not None and sale.points:
        order_points_burn(
            number=order.number, member=member, points=sale.points, at=ordered_at, savepoint=False
        )
    if member is not None and earn is not None and earn.points:
        order_points_post_earn(
            number=order.number, member=member, quote=earn, at=ordered_at, savepoint=False
        )
        tier_evaluate(member=member, at=ordered_at, policy=policy)  # up at once; down nightly
    order_paid(order.pk)  # settlement and member features (orders.events)
    outcome = None
    if member is not None:
        outcome = binding_touch(
            member=member,
            store_id=store.pk,
            assistant_id=assistant_id,
            source="till_sale",
            at=ordered_at,
        )
    return order, outcome, priced


def merge_orders(survivor: Member, merged: Member) -> int:
    return Order.objects.filter(member=merged).update(member=survivor)
