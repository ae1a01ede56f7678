"""Our coupon codes on an order that arrives already placed (a marketplace order, ADR 43): the
codes are priced by the one engine, the ones we can honour are held under the order number,
redeemed when it is paid and given back when it is cancelled. A code we cannot honour never
refuses the order: it comes back as a `CouponDrop` (the code and a stable reason) for the
caller to record.

Invariants:
- **Exactly once.** Before pricing, the rows behind the codes are locked in the one lock order
  of coupons (`coupons_redeem`): templates by pk (every template a code belongs to, single-use
  or shared), then coupons by pk, FOR NO KEY UPDATE. The quote therefore reads the newest
  state, and of two orders carrying one single-use code the second waits, then sees it held
  and drops it (`coupon_reserved`). The hold itself is still one conditional UPDATE.
- **The price is the honoured codes' price.** A code the hold could not take is dropped and the
  basket quoted again without it, so an order never carries a discount it does not hold.
- **Payment redeems use by use**, each in its own savepoint: a use that can no longer be
  redeemed (a shared code filled meanwhile, a hold that lapsed and was taken) is dropped and
  the others still count."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from omniloop.core.errors import Conflict
from omniloop.orders.models import Order, OrderCoupon
from omniloop.promotions.coupons import (
    coupon_hold,
    coupon_refusal,
    coupons_redeem,
    coupons_release,
)
from omniloop.promotions.coupons_check import codes_normalized
from omniloop.promotions.models import Coupon, CouponTemplate
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.rules import offer_rule
from omniloop.promotions.values import Candidate

ARRIVAL, PAYMENT = "arrival", "payment"
# The platform cancels an order left unpaid well within this; a hold that lapses frees the
# coupon for other checkouts as any lapsed hold does (it is still redeemed if nobody took it).
HOLD = timedelta(hours=72)


@dataclass(frozen=True)
class CouponDrop:
    """A presented code the order does not honour, and why."""

    code: str
    reason: str  # a promotions CouponReason value, or the engine's Reason for a code that
    # is valid but does not apply (offer_wrong_channel, offer_wrong_store, ...)
    stage: str = ARRIVAL  # arrival | payment

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "reason": self.reason, "stage": self.stage}


@dataclass(frozen=True)
class HeldCoupons:
    priced: PricedQuote  # the quote with only the honoured codes
    honoured: tuple[str, ...]
    dropped: tuple[CouponDrop, ...]


def order_coupons_lock(*, codes: Sequence[str]) -> None:
    """Lock the templates and coupons behind `codes`, templates by pk, then coupons by pk."""
    wanted = codes_normalized(list(codes))
    if not wanted:
        return
    template_ids = set(
        Coupon.objects.filter(code__in=wanted).values_list("template_id", flat=True)
    ) | set(CouponTemplate.objects.filter(shared_code__in=wanted).values_list("pk", flat=True))
    list(
        CouponTemplate.objects.select_for_update(no_key=True)
        .filter(pk__in=template_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    list(
        Coupon.objects.select_for_update(no_key=True)
        .filter(code__in=wanted)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _drops(priced: PricedQuote) -> list[CouponDrop]:
    out = [CouponDrop(p.code, p.reason) for p in priced.coupon_problems]
    out += [CouponDrop(code, reason) for code, reason in priced.coupons_not_applied]
    return out


def order_coupons_price(
    *,
    codes: Sequence[str],
    price: Callable[[list[str]], PricedQuote],
    member_id: int | None,
    ref: str,
    now: datetime,
) -> HeldCoupons:
    """Price a basket with the presented `codes` (`price(codes)` is the caller's
    `promotions.pricing.quote`) and hold the single-use coupons the quote applied under `ref`
    (the order number). Call inside the order's transaction, before the order is written."""
    wanted = codes_normalized(list(codes))
    order_coupons_lock(codes=wanted)
    dropped: list[CouponDrop] = []
    while True:
        priced = price(wanted)
        if not wanted:
            break
        lost = [
            (c.code or "", coupon_refusal(c.coupon_id, member_id=member_id, at=now, ref=ref))
            for c, _ in priced.coupons_used
            if c.coupon_id is not None
            and not coupon_hold(
                coupon_id=c.coupon_id, member_id=member_id, ref=ref, at=now, until=now + HOLD
            )
        ]
        if not lost:
            break
        # Only without the row locks (or on a clock skew) can a hold fail after the quote.
        dropped += [CouponDrop(code, reason) for code, reason in lost]
        wanted = [c for c in wanted if c not in {code for code, _ in lost}]
        coupons_release(ref=ref)  # the next quote may apply another set: hold afresh
    dropped += _drops(priced)
    honoured = tuple(c.code for c, _ in priced.coupons_used if c.code)
    return HeldCoupons(priced=priced, honoured=honoured, dropped=tuple(dropped))


def order_coupons_record(*, order: Order, priced: PricedQuote) -> None:
    """The honoured codes as the order's coupon uses (what payment redeems)."""
    OrderCoupon.objects.bulk_create(
        OrderCoupon(
            order=order,
            code=c.code or "",
            coupon_id=c.coupon_id,
            offer_id=c.rule.id,
            discount_fen=fen,
        )
        for c, fen in priced.coupons_used
    )


def _uses(order: Order) -> list[tuple[Candidate, int]]:
    uses = OrderCoupon.objects.filter(order=order).select_related("offer")
    ordered = sorted(uses, key=lambda u: (u.coupon_id is not None, u.coupon_id or 0, u.code))
    return [(Candidate(offer_rule(u.offer), u.coupon_id, u.code), u.discount_fen) for u in ordered]


def order_coupons_redeem(*, order: Order, at: datetime) -> list[CouponDrop]:
    """Redeem the order's coupon uses (caller holds the order's lock), each in its own
    savepoint, in the lock order (templates first, shared codes before single-use coupons);
    returns the uses that could not be redeemed (their `OrderCoupon` rows stay: the order was
    priced with them)."""
    uses = _uses(order)
    if not uses:
        return []
    order_coupons_lock(codes=[c.code for c, _ in uses if c.code])
    dropped: list[CouponDrop] = []
    for candidate, fen in uses:
        try:
            coupons_redeem(
                used=[(candidate, fen)],
                member_id=order.member_id,
                order_id=order.pk,
                reservation_ref=order.number,
                at=at,
            )
        except Conflict as exc:
            dropped.append(CouponDrop(candidate.code or "", exc.code, PAYMENT))
    return dropped
