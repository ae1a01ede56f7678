"""Marketplace orders (天猫, 京东, 抖音 shops) into the one order model (ADR 27).

An imported order is an ordinary `orders.Order` with flow `marketplace` and the marketplace
shop's sales channel, plus a `MarketplaceOrder` row keeping the platform's id and figures:
- **Priced by the one engine.** Every basket is quoted by `promotions.pricing.quote` in the
  shop's channel at the order's time, exactly as the till and the carts are. Where the platform
  sends its own figures (unit prices, what each line and the order cost) those are what the
  buyer paid and what the order records (refunds, settlement and points use real money); every
  place they differ from our quote is flagged as drift (`MarketplaceOrder.drift`), the R2
  consistency check. Without figures, our quote is the order's price.
- **Credited by the binding rules** (`attribution.credit_for_online_sale`, ADR 4): a bound
  member's order pays their store and assistant (settlement's marketplace rule, ADR 19); the
  fulfilling store is the one that ships it, when a store does.
- **The member is matched, never created:** by WeChat unionid, then phone, then the platform's
  buyer id. A buyer we do not know stays anonymous (joining is the person's own act), and an
  erased member's identifiers (`members.privacy` suppressions) match nothing and are not kept.
- **Idempotent by (channel, external id):** the same order again replays; again with another
  status applies the status; with other content it is `marketplace_order_conflict` (409).
  Two imports of one order at once: the second waits on the unique index and replays.
- **Status** from the platform: paid (points earned, settled), cancelled (everything back, as
  `orders.cancel`), refunded (in full, or an amount), each idempotent.
- **Our coupon codes** (ADR 43, `orders.order_coupons`): priced in by the same quote, held under
  the order number when it arrives, redeemed when it is paid, given back when it is cancelled.
  A code we cannot honour never refuses the order: it is recorded as drift with its reason
  (`MarketplaceCouponDrift`), shown on the Consistency page."""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from omniloop.attribution.services import credit_for_online_sale
from omniloop.core import clock
from omniloop.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from omniloop.core.phones import parse_phone
from omniloop.marketplace.models import MarketplaceCouponDrift, MarketplaceOrder
from omniloop.marketplace.pricing import order_figures
from omniloop.marketplace.values import ImportedOrder, MarketplaceOrderInput, PlatformStatus
from omniloop.members.models import IdentityKind, Member
from omniloop.members.privacy import identity_suppressed
from omniloop.members.selectors import member_by_identity, member_by_phone
from omniloop.orders.cancel import order_cancel
from omniloop.orders.models import Order, OrderCoupon, OrderLine, Payment
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid_reporting
from omniloop.orders.order_coupons import (
    CouponDrop,
    order_coupons_price,
    order_coupons_record,
)
from omniloop.orders.returns import ReturnInput, order_return
from omniloop.orders.services import new_order_number
from omniloop.orders.status import status_record_initial
from omniloop.promotions.coupons_check import MAX_CODES, codes_normalized
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.pricing import quote
from omniloop.stores.models import SalesChannel, Store

S = Order.Status
MAX_LINES = 200


def marketplace_channel(*, code: str) -> SalesChannel:
    """The active marketplace shop `code` (a SalesChannel of kind marketplace)."""
    channel = SalesChannel.objects.filter(
        code=code.strip(), kind=SalesChannel.Kind.MARKETPLACE, active=True
    ).first()
    if channel is None:
        raise ValidationFailed(
            f"{code!r} is not an active marketplace shop.",
            code="marketplace_channel_unknown",
            extra={"channel": code},
        )
    return channel


def _fingerprint(data: MarketplaceOrderInput) -> str:
    """The order's content, without its status (a later status is an update, not a conflict)."""
    body = {
        "ordered_at": data.ordered_at.isoformat(),
        "lines": [[li.sku, li.quantity, str(li.unit_price), str(li.amount)] for li in data.lines],
        "total": str(data.total),
        "shipping": str(data.shipping),
        "store": data.store,
        "buyer": [data.phone, data.unionid, data.buyer_id],
    }
    if data.coupon_codes:  # only when present: fingerprints of orders without codes unchanged
        body["coupons"] = codes_normalized(list(data.coupon_codes))
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _active(member: Member | None) -> Member | None:
    hops = 0
    while member is not None and member.status == Member.Status.MERGED and hops < 10:
        member = member.merged_into
        hops += 1
    return member if member is not None and member.status == Member.Status.ACTIVE else None


def match_member(*, data: MarketplaceOrderInput, channel: SalesChannel) -> Member | None:
    """The buyer's member by unionid, phone, then the platform's buyer id; None when unknown or
    erased (a suppressed identifier matches nothing, so an erased member never comes back
    through an order)."""
    tries: list[tuple[str, str, str]] = []
    if data.unionid.strip():
        tries.append((IdentityKind.WECHAT_UNIONID, data.unionid.strip(), ""))
    if data.phone.strip():
        # Platforms often pass a masked phone (138****0000): nothing to match on.
        with contextlib.suppress(ApplicationError):
            tries.append((IdentityKind.PHONE, parse_phone(data.phone).index, ""))
    if data.buyer_id.strip():
        tries.append((IdentityKind.MARKETPLACE_BUYER, data.buyer_id.strip(), channel.code))
    for kind, value, namespace in tries:
        if identity_suppressed(kind=kind, value=value, namespace=namespace):
            continue
        if kind == IdentityKind.PHONE:
            found = member_by_phone(phone=parse_phone(data.phone))
        else:
            found = member_by_identity(kind=kind, value=value, namespace=namespace)
        member = _active(found)
        if member is not None:
            return member
    return None


def _store(code: str) -> Store | None:
    if not code.strip():
        return None
    store = Store.objects.filter(code=code.strip()).first()
    if store is None:
        raise ValidationFailed(f"No store {code}.", code="store_unknown", extra={"store": code})
    return store


def _check(data: MarketplaceOrderInput) -> None:
    if not data.external_id.strip() or len(data.external_id.strip()) > 64:
        raise ValidationFailed(
            "external_id is 1-64 characters.", code="marketplace_external_id_invalid"
        )
    if not data.lines or len(data.lines) > MAX_LINES:
        raise ValidationFailed(f"An order has 1-{MAX_LINES} lines.", code="basket_empty")
    if len(data.coupon_codes) > MAX_CODES:
        raise ValidationFailed(f"At most {MAX_CODES} coupon codes.", code="coupon_too_many_codes")
    if timezone.is_naive(data.ordered_at):
        raise ValidationFailed("ordered_at needs a time zone.", code="datetime_invalid")


def _result(mp: MarketplaceOrder, order: Order, replayed: bool) -> ImportedOrder:
    drift = [
        {"code": d.code, "reason": d.reason, "stage": d.stage}
        for d in MarketplaceCouponDrift.objects.filter(marketplace_order=mp).order_by("pk")
    ]
    lost = {d["code"] for d in drift}
    codes = OrderCoupon.objects.filter(order=order).order_by("pk").values_list("code", flat=True)
    return ImportedOrder(
        order_number=order.number,
        external_id=mp.external_id,
        status=order.status,
        total=order.total,
        engine_total=mp.engine_total,
        drift=tuple(mp.drift),
        member_matched=order.member_id is not None,
        replayed=replayed,
        coupons_honoured=tuple(c for c in codes if c not in lost),
        coupon_drift=tuple(drift),
    )


def _has_figures(data: MarketplaceOrderInput) -> bool:
    return data.total is not None or any(li.amount is not None for li in data.lines)


def _create(
    data: MarketplaceOrderInput, channel: SalesChannel, fingerprint: str, now: datetime
) -> tuple[MarketplaceOrder, Order]:
    member = match_member(data=data, channel=channel)
    store = _store(data.store)
    number = new_order_number(data.ordered_at)

    def price(codes: list[str]) -> PricedQuote:
        return quote(
            items=[(li.sku, li.quantity) for li in data.lines],
            channel_code=channel.code,
            store_id=None,  # marketplace prices are the brand's, as online
            member_id=member.pk if member else None,
            tier=member.tier if member else None,
            coupon_codes=codes,  # ours only: the platform's own coupons are in its figures
            at=data.ordered_at,
            shipping=data.shipping,
        )

    held = order_coupons_price(
        codes=data.coupon_codes,
        price=price,
        member_id=member.pk if member else None,
        ref=number,
        now=now,
    )
    priced = held.priced
    figures = order_figures(data, priced)
    credit = credit_for_online_sale(member=member)
    order = Order.objects.create(
        number=number,
        channel=channel,
        store=store,
        receipt_no=data.external_id.strip(),
        member=member,
        credited_store_id=credit.store_id if credit else None,
        credited_assistant_id=credit.assistant_id if credit else None,
        credit_rule=credit.rule if credit else "marketplace_unbound",
        flow=Order.Flow.MARKETPLACE,
        fulfilment=Order.Fulfilment.STORE_SHIP if store else Order.Fulfilment.WAREHOUSE,
        total=figures.total,
        discount_total=figures.discount_total,
        shipping_fee=figures.shipping,
        status=S.PENDING,
        ordered_at=data.ordered_at,
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            sku_id=line.sku_id,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount=line.discount,
            amount=line.amount,
        )
        for line in figures.lines
    )
    status_record_initial(order=order, note=f"imported from {channel.code}")
    mp = MarketplaceOrder.objects.create(
        order=order,
        channel=channel,
        external_id=data.external_id.strip(),
        fingerprint=fingerprint,
        platform_status=PlatformStatus.PENDING,
        marketplace_total=figures.total if _has_figures(data) else None,
        engine_total=priced.total,
        drift=[d.as_json() for d in figures.drift],
        has_drift=bool(figures.drift),
        imported_at=now,
        updated_at=now,
    )
    order_coupons_record(order=order, priced=priced)
    _record_coupon_drift(mp, held.dropped, now)
    return mp, order


def _record_coupon_drift(mp: MarketplaceOrder, dropped: Sequence[CouponDrop], at: datetime) -> None:
    MarketplaceCouponDrift.objects.bulk_create(
        MarketplaceCouponDrift(
            marketplace_order=mp, code=d.code, reason=d.reason, stage=d.stage, recorded_at=at
        )
        for d in dropped
    )


def _pay(
    mp: MarketplaceOrder, order: Order, data_paid_at: datetime | None, payment_ref: str
) -> Order:
    at = data_paid_at or order.ordered_at
    if order.total > 0:
        Payment.objects.create(
            order=order,
            provider=order.channel.code[:32],
            kind=Payment.Kind.CHARGE,
            amount=order.total,
            status=Payment.Status.SUCCEEDED,
            provider_ref=(payment_ref.strip() or order.receipt_no)[:64],
            created_at=at,
            settled_at=at,
        )
    order, dropped = order_mark_paid_reporting(
        order=order, at=at, note=f"paid on {order.channel.code}"
    )
    _record_coupon_drift(mp, dropped, clock.now())
    return order


@transaction.atomic
def marketplace_order_import(*, data: MarketplaceOrderInput) -> ImportedOrder:
    """Record one marketplace order (see the module). Refusals, each writing nothing:
    marketplace_channel_unknown, marketplace_external_id_invalid, sku_unknown, store_unknown,
    marketplace_figures_partial, marketplace_total_mismatch, coupon_too_many_codes (422),
    marketplace_order_conflict (409). A coupon code we cannot honour is never a refusal: it is
    drift (`coupon_drift` in the answer)."""
    _check(data)
    channel = marketplace_channel(code=data.channel)
    fingerprint = _fingerprint(data)
    now = clock.now()
    existing = _existing(channel, data.external_id.strip())
    if existing is None:
        try:
            with transaction.atomic():
                mp, order = _create(data, channel, fingerprint, now)
        except IntegrityError:
            existing = _existing(channel, data.external_id.strip())
            if existing is None:  # pragma: no cover - the unique index named another row
                raise
        else:
            if data.status != PlatformStatus.PENDING:
                return _apply_status(mp, data.status, paid_at=data.paid_at, ref=data.payment_ref)
            return _result(mp, order, replayed=False)
    if existing.fingerprint != fingerprint:
        raise Conflict(
            "This marketplace order was imported with other content.",
            code="marketplace_order_conflict",
            extra={"order": existing.order.number},
        )
    if data.status != existing.platform_status and data.status != PlatformStatus.PENDING:
        return _apply_status(existing, data.status, paid_at=data.paid_at, ref=data.payment_ref)
    return _result(existing, existing.order, replayed=True)


def _existing(channel: SalesChannel, external_id: str) -> MarketplaceOrder | None:
    return (
        MarketplaceOrder.objects.select_related("order")
        .filter(channel=channel, external_id=external_id)
        .first()
    )


def _apply_status(
    mp: MarketplaceOrder,
    status: PlatformStatus,
    *,
    paid_at: datetime | None = None,
    ref: str = "",
    amount: Decimal | None = None,
    refund_ref: str = "",
) -> ImportedOrder:
    order = lock_order_with_payments(mp.order_id)
    at = clock.now()
    if status == PlatformStatus.PAID:
        if order.status == S.PENDING:
            order = _pay(mp, order, paid_at, ref)
    elif status == PlatformStatus.CANCELLED:
        order = order_cancel(order_number=order.number, reason="cancelled on the marketplace").order
    elif status == PlatformStatus.REFUNDED:
        if order.status == S.PENDING:  # refunded before we heard it was paid: it was paid
            order = _pay(mp, order, paid_at, ref)
        reference = f"mp:{mp.pk}:{refund_ref.strip() or 'full'}"[:64]
        if order.status != S.REFUNDED or amount is not None:
            order = order_return(
                order_number=order.number,
                ret=ReturnInput(reference=reference, amount=amount, reason="marketplace refund"),
                at=at,
            ).order
    MarketplaceOrder.objects.filter(pk=mp.pk).update(platform_status=status, updated_at=at)
    mp.platform_status = status
    return _result(mp, order, replayed=False)


@transaction.atomic
def marketplace_order_status(
    *,
    channel_code: str,
    external_id: str,
    status: PlatformStatus,
    amount: Decimal | None = None,
    refund_ref: str = "",
    paid_at: datetime | None = None,
) -> ImportedOrder:
    """The platform says the order is now paid, cancelled or refunded (in full, or `amount`
    under the platform's refund id `refund_ref`). Idempotent: the same update again replays
    (a refund by its `refund_ref`). order_not_found (404); order_already_fulfilled,
    order_not_returnable, return_reference_conflict (409); refund_exceeds_paid (422)."""
    channel = marketplace_channel(code=channel_code)
    mp = _existing(channel, external_id.strip())
    if mp is None:
        raise NotFound("No such marketplace order.", code="order_not_found")
    if status == PlatformStatus.PENDING:
        raise ValidationFailed("An order cannot go back to pending.", code="order_status_invalid")
    return _apply_status(mp, status, paid_at=paid_at, amount=amount, refund_ref=refund_ref)
