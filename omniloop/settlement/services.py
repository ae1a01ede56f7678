"""The settlement ledger's writers: record an order once, take back refunds once per
reference, and a backfill so nothing paid is ever left unsettled.

Lock order: an order's `OrderSettlement` row (refunds lock it; recording claims it by its
unique order). Entries and commission are only ever added, never changed (ADR 19)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import DecimalField, Exists, F, OuterRef, Sum, Value
from django.db.models.functions import Coalesce

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.orders.models import Order, OrderLine
from omniloop.settlement.allocation import take_back
from omniloop.settlement.models import (
    CommissionEntry,
    OrderSettlement,
    SettlementEntry,
    SettlementRefund,
)
from omniloop.settlement.periods import (
    brand_zone,
    closed_periods,
    open_period_for,
    period_bounds,
    period_of,
)
from omniloop.settlement.planning import (
    CENT,
    LineBasis,
    OrderPlan,
    cents,
    commission_cents,
    plan,
    sale_period,
    to_amount,
)
from omniloop.settlement.rules import RuleBook
from omniloop.settlement.values import BackfillResult, RecordResult, RefundResult

S = Order.Status
# Paid at some point: what settles. Pending and cancelled-unpaid orders never do.
SETTLED_STATUSES = (S.PAID, S.READY, S.SHIPPED, S.COMPLETED, S.REFUNDED)
ZERO = Decimal("0.00")
# What planning reads of an order (loading only these keeps a large backfill fast).
ORDER_FIELDS = (
    "pk",
    "flow",
    "total",
    "status",
    "store_id",
    "credited_store_id",
    "credited_assistant_id",
    "paid_at",
    "ordered_at",
    "refunded_total",
    "touchpoint__store_id",
    "touchpoint__assistant_id",
)


def _lines(order_ids: list[int]) -> dict[int, list[LineBasis]]:
    out: dict[int, list[LineBasis]] = defaultdict(list)
    rows = OrderLine.objects.filter(order_id__in=order_ids).values_list(
        "order_id", "amount", "sku__product__category_id"
    )
    for order_id, amount, category_id in rows:
        out[order_id].append(LineBasis(amount, category_id))
    return out


def _rate_text(rate: Fraction) -> str:
    return f"{rate.numerator}/{rate.denominator}"


def _rate(header: OrderSettlement) -> Fraction:
    return Fraction(header.commission_rate)


def _header(order: Order, order_plan: OrderPlan, period: date, now: datetime) -> OrderSettlement:
    return OrderSettlement(
        order_id=order.pk,
        rule_id=order_plan.rule.pk,
        period=period,
        amount=order.total if order_plan.rule.enabled else ZERO,
        commission_rate=_rate_text(order_plan.commission_rate),
        settled_at=now,
    )


def _entries(
    order: Order, header: OrderSettlement, order_plan: OrderPlan, now: datetime
) -> list[SettlementEntry]:
    return [
        SettlementEntry(
            settlement_id=header.pk,
            order_id=order.pk,
            kind=SettlementEntry.Kind.SALE,
            flow=order.flow,
            roles=",".join(role.value for role in share.roles),
            store_id=share.party.store_id,
            assistant_id=share.party.assistant_id,
            period=header.period,
            amount=to_amount(share.cents),
            created_at=now,
        )
        for share in order_plan.shares
    ]


def _commissions(
    entries: list[SettlementEntry], rate_of: dict[int, Fraction], now: datetime
) -> list[CommissionEntry]:
    out = []
    for entry in entries:
        if entry.assistant_id is None:
            continue
        amount = commission_cents(cents(entry.amount), rate_of[entry.settlement_id])
        if amount:
            out.append(
                CommissionEntry(
                    entry_id=entry.pk,
                    order_id=entry.order_id,
                    assistant_id=entry.assistant_id,
                    store_id=entry.store_id,
                    period=entry.period,
                    base=entry.amount,
                    amount=to_amount(amount),
                    created_at=now,
                )
            )
    return out


def _check_settleable(order: Order) -> None:
    if order.status not in SETTLED_STATUSES:
        raise Conflict(
            "Only a paid order is settled.",
            code="settlement_order_unpaid",
            extra={"status": order.status},
        )


def _record(order: Order, book: RuleBook, closed: frozenset[date], zone: ZoneInfo) -> int | None:
    """Claim the order's settlement and write its entries; None if it was already claimed."""
    now = clock.now()
    order_plan = plan(order, _lines([order.pk])[order.pk], book)
    header = _header(order, order_plan, sale_period(order, closed, zone), now)
    try:
        with transaction.atomic():
            header.save(force_insert=True)
    except IntegrityError:
        return None  # a concurrent call recorded it first
    entries = SettlementEntry.objects.bulk_create(_entries(order, header, order_plan, now))
    CommissionEntry.objects.bulk_create(
        _commissions(entries, {header.pk: order_plan.commission_rate}, now)
    )
    return len(entries)


def _result(order_id: int, written: int | None) -> RecordResult:
    period = OrderSettlement.objects.values_list("period", flat=True).get(order_id=order_id)
    return RecordResult(order_id, written is not None, written or 0, period)


@transaction.atomic
def settlement_record(*, order_id: int) -> RecordResult:
    """Settle a paid order once: its total split by the flow's rule in force when it was paid,
    in the period it was paid (or the next open one), with the assistants' commission. Calling
    again, or concurrently, writes nothing more. Refunds the order already carries are taken
    back at once. Call it when an order is paid (or completed); the backfill catches any
    order this was not called for."""
    if OrderSettlement.objects.filter(order_id=order_id).exists():
        return _result(order_id, None)
    order = Order.objects.select_related("touchpoint").filter(pk=order_id).first()
    if order is None:
        raise NotFound("Order not found.", code="order_not_found")
    _check_settleable(order)
    written = _record(order, RuleBook(), closed_periods(), brand_zone())
    if written is not None and order.refunded_total > 0:
        _catch_up(order.pk)
    return _result(order_id, written)


def _check_refund(amount: Decimal, refund_ref: str) -> None:
    if not refund_ref.strip() or len(refund_ref) > 64:
        raise ValidationFailed("A refund reference is 1-64 characters.", code="refund_ref_invalid")
    if amount <= 0 or amount != amount.quantize(CENT):
        raise ValidationFailed(
            "A refund is a positive amount with at most 2 decimals.", code="refund_amount_invalid"
        )


def _locked(order_id: int) -> OrderSettlement | None:
    return OrderSettlement.objects.select_for_update().filter(order_id=order_id).first()


def _taken(header: OrderSettlement) -> Decimal:
    total = header.refunds.aggregate(t=Sum("reversed"))["t"]
    return total if total is not None else ZERO


def _balances(header: OrderSettlement) -> list[tuple[tuple[int | None, int | None], int]]:
    """What each party of the order still holds, in the order the parties were first written."""
    held: dict[tuple[int | None, int | None], int] = {}
    for store_id, assistant_id, amount in header.entries.order_by("pk").values_list(
        "store_id", "assistant_id", "amount"
    ):
        key = (store_id, assistant_id)
        held[key] = held.get(key, 0) + cents(amount)
    return list(held.items())


def _reverse(
    header: OrderSettlement, *, requested: Decimal, refund_ref: str, at: datetime
) -> RefundResult:
    order = Order.objects.only("pk", "flow", "refunded_total").get(pk=header.order_id)
    taken = _taken(header)
    if requested > header.amount - taken and header.amount > 0:
        raise ValidationFailed(
            f"Only {header.amount - taken} of this order is still settled.",
            code="settlement_refund_exceeds",
            extra={"settled": str(header.amount - taken)},
        )
    # The ledger follows the order: it never takes back more than the order says was refunded.
    room = max(ZERO, min(order.refunded_total, header.amount) - taken)
    take = min(requested, room)
    now = clock.now()
    period = open_period_for(period_of(at, brand_zone()), closed_periods())
    refund = SettlementRefund.objects.create(
        settlement=header,
        refund_ref=refund_ref,
        requested=requested,
        reversed=take,
        period=period,
        created_at=now,
    )
    if take > 0:
        _write_reversal(header, order, refund, take, now)
    return RefundResult(order.pk, refund_ref, False, take)


def _write_reversal(
    header: OrderSettlement, order: Order, refund: SettlementRefund, take: Decimal, now: datetime
) -> None:
    balances = _balances(header)
    parts = take_back(cents(take), [held for _, held in balances])
    entries = SettlementEntry.objects.bulk_create(
        [
            SettlementEntry(
                settlement=header,
                order_id=order.pk,
                refund=refund,
                kind=SettlementEntry.Kind.REFUND,
                flow=order.flow,
                roles="refund",
                store_id=store_id,
                assistant_id=assistant_id,
                period=refund.period,
                amount=-to_amount(part),
                created_at=now,
            )
            for ((store_id, assistant_id), _), part in zip(balances, parts, strict=True)
            if part > 0
        ]
    )
    rate = _rate(header)
    held = dict(balances)
    paid: dict[tuple[int | None, int | None], int] = defaultdict(int)
    for store_id, assistant_id, amount in CommissionEntry.objects.filter(
        entry__settlement=header
    ).values_list("store_id", "assistant_id", "amount"):
        paid[(store_id, assistant_id)] += cents(amount)
    commissions = []
    for entry in entries:
        if entry.assistant_id is None:
            continue
        key = (entry.store_id, entry.assistant_id)
        # Commission follows what the party still holds, so a full refund leaves exactly 0.
        delta = commission_cents(held[key] + cents(entry.amount), rate) - paid[key]
        if delta:
            commissions.append(
                CommissionEntry(
                    entry=entry,
                    order_id=order.pk,
                    assistant_id=entry.assistant_id,
                    store_id=entry.store_id,
                    period=entry.period,
                    base=entry.amount,
                    amount=to_amount(delta),
                    created_at=now,
                )
            )
    CommissionEntry.objects.bulk_create(commissions)


@transaction.atomic
def settlement_refund(
    *, order_id: int, amount: Decimal, refund_ref: str, at: datetime | None = None
) -> RefundResult:
    """Take a refund back from the order's parties in proportion to what each still holds
    (negative entries in the period of the refund, or the next open one), with their
    commission. Idempotent by `refund_ref`: the same reference again is a no-op, with another
    amount a 409. Call it after the order's `refunded_total` includes the refund, in the
    refund's transaction: the ledger never takes back more than `refunded_total`, so a refund
    the backfill already caught up takes nothing more. An unsettled order is settled first."""
    _check_refund(amount, refund_ref)
    header = _locked(order_id)
    if header is None:
        order = Order.objects.select_related("touchpoint").filter(pk=order_id).first()
        if order is None:
            raise NotFound("Order not found.", code="order_not_found")
        if order.status == S.CANCELLED:  # cancelled before it was ever settled: nothing to take
            return RefundResult(order_id, refund_ref, False, ZERO)
        _check_settleable(order)
        _record(order, RuleBook(), closed_periods(), brand_zone())
        header = _locked(order_id)
        assert header is not None
    existing = header.refunds.filter(refund_ref=refund_ref).first()
    if existing is not None:
        if existing.requested != amount:
            raise Conflict(
                "This refund reference was used for another amount.",
                code="settlement_refund_conflict",
                extra={"amount": str(existing.requested)},
            )
        return RefundResult(order_id, refund_ref, True, existing.reversed)
    return _reverse(header, requested=amount, refund_ref=refund_ref, at=at or clock.now())


def _catch_up(order_id: int) -> Decimal:
    """Take back what the order says was refunded and the ledger has not yet."""
    header = _locked(order_id)
    if header is None:
        return ZERO
    refunded = Order.objects.values_list("refunded_total", flat=True).get(pk=order_id)
    missing = min(refunded, header.amount) - _taken(header)
    if missing <= 0:
        return ZERO
    ref = f"catch-up:{refunded}"
    if header.refunds.filter(refund_ref=ref).exists():
        return ZERO
    return _reverse(header, requested=missing, refund_ref=ref, at=clock.now()).reversed


def _bulk_record(orders: list[Order], book: RuleBook, closed: frozenset[date]) -> int:
    zone = brand_zone()
    now = clock.now()
    lines = _lines([o.pk for o in orders])
    plans = {o.pk: plan(o, lines.get(o.pk, []), book) for o in orders}
    headers = OrderSettlement.objects.bulk_create(
        [_header(o, plans[o.pk], sale_period(o, closed, zone), now) for o in orders]
    )
    by_order = {h.order_id: h for h in headers}
    entries = SettlementEntry.objects.bulk_create(
        [e for o in orders for e in _entries(o, by_order[o.pk], plans[o.pk], now)],
        batch_size=2000,
    )
    rates = {by_order[o.pk].pk: plans[o.pk].commission_rate for o in orders}
    CommissionEntry.objects.bulk_create(_commissions(entries, rates, now), batch_size=2000)
    return len(headers)


def settlement_backfill(*, period: date | None = None, batch_size: int = 1000) -> BackfillResult:
    """Settle every paid order not yet settled (those paid in `period` only, when given), and
    take back refunds the ledger has not yet recorded. Safe beside live `settlement_record`
    calls: a batch that meets one falls back to recording order by order."""
    book, closed = RuleBook(), closed_periods()
    pending = Order.objects.filter(status__in=SETTLED_STATUSES).exclude(
        Exists(OrderSettlement.objects.filter(order_id=OuterRef("pk")))
    )
    if period is not None:
        start, end = period_bounds(period)
        pending = pending.annotate(at=Coalesce("paid_at", "ordered_at")).filter(
            at__gte=start, at__lt=end
        )
    recorded, last = 0, 0
    while True:
        ids = list(
            pending.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            break
        last = ids[-1]
        orders = list(
            Order.objects.select_related("touchpoint")
            .only(*ORDER_FIELDS)
            .filter(pk__in=ids)
            .order_by("pk")
        )
        try:
            with transaction.atomic():
                recorded += _bulk_record(orders, book, closed)
        except IntegrityError:
            for order in orders:
                recorded += settlement_record(order_id=order.pk).recorded
    caught_up = 0
    behind = OrderSettlement.objects.annotate(
        taken=Coalesce(
            Sum("refunds__reversed"),
            Value(ZERO),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
    ).filter(order__refunded_total__gt=F("taken"), amount__gt=F("taken"))
    for order_id in behind.values_list("order_id", flat=True):
        with transaction.atomic():
            if _catch_up(order_id) > 0:
                caught_up += 1
    return BackfillResult(recorded, caught_up)
