"""The one pricing engine: the till quote, the H5 and web cart and marketplace imports all call
`price_basket`. It is a pure function of its inputs (no database, no clock), so property tests
can drive it with random baskets and offers, and a quote equals the committed sale for the same
state.

Stacking, explicitly:
1. Each candidate is checked for eligibility (window in store-local time, channel, store, member
   and tier, coupon, scope); a failure is a `Rejection` with a stable reason.
2. Within a non-empty stacking group only the candidate worth most on its own applies.
3. Exclusive candidates apply alone: the best exclusive wins if it is worth more than the stack of
   all non-exclusive ones, else the stack wins.
4. The stack applies in (priority, id) order. Percentages (N折, member prices, 折上折, buy X get
   Y at N%) always take their share of what is left on a line, so stacked percentages multiply
   (40% then 70% off = 82% off, never 110%: the free order of Saleor #17453 cannot happen).
   `compound` decides the base of everything else (spend thresholds, fixed prices): what is left,
   or the list price. Either way a line never goes below zero and an offer never takes more than
   its `max_discount`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from omniloop.promotions.benefits import BENEFITS, NotMet, ScopedLine
from omniloop.promotions.money import split
from omniloop.promotions.values import (
    Adjustment,
    Candidate,
    GiftLine,
    LineIn,
    OfferKind,
    PricingContext,
    Quote,
    QuoteLine,
    Reason,
    Rejection,
)

PERCENT_KINDS = frozenset(
    {OfferKind.PERCENT_OFF, OfferKind.MEMBER_PRICE, OfferKind.MEMBER_EXTRA, OfferKind.BUY_X_GET_Y}
)


def _eligibility(c: Candidate, lines: Sequence[LineIn], ctx: PricingContext) -> Reason | None:
    rule, now = c.rule, ctx.local_now
    w = rule.window
    if w.starts_at and now < w.starts_at:
        return Reason.NOT_STARTED
    if w.ends_at and now >= w.ends_at:
        return Reason.ENDED
    if w.weekdays and now.weekday() not in w.weekdays:
        return Reason.OUTSIDE_HOURS
    local = now.time()
    if (w.daily_start and local < w.daily_start) or (w.daily_end and local >= w.daily_end):
        return Reason.OUTSIDE_HOURS
    if rule.channels and ctx.channel not in rule.channels:
        return Reason.WRONG_CHANNEL
    if rule.store_ids and ctx.store_id not in rule.store_ids:
        return Reason.WRONG_STORE
    if (rule.requires_member or rule.tiers or rule.segments) and ctx.member_id is None:
        return Reason.MEMBERS_ONLY
    if rule.tiers and ctx.tier not in rule.tiers:
        return Reason.TIER_NOT_ELIGIBLE
    if rule.segments and not rule.segments & ctx.segments:
        return Reason.SEGMENT_NOT_ELIGIBLE
    if rule.coupon_only and c.coupon_id is None:
        return Reason.COUPON_REQUIRED
    if not any(rule.in_scope(line) for line in lines):
        return Reason.NO_ELIGIBLE_ITEMS
    return None


@dataclass
class _Outcome:
    applied: list[Adjustment]
    rejected: list[Rejection]
    gifts: list[GiftLine]
    remaining: list[int]
    shipping_left: int

    @property
    def value(self) -> int:
        return sum(a.amount + a.shipping for a in self.applied)


def _key(c: Candidate) -> tuple[int, int, int]:
    return (c.rule.priority, c.rule.id, c.coupon_id or 0)


def _apply(stack: Sequence[Candidate], lines: Sequence[LineIn], ctx: PricingContext) -> _Outcome:
    out = _Outcome([], [], [], [ln.unit_price * ln.quantity for ln in lines], ctx.shipping)
    for c in sorted(stack, key=_key):
        rule = c.rule
        scoped = [
            ScopedLine(
                index=i,
                quantity=ln.quantity,
                unit_base=(
                    out.remaining[i] // ln.quantity
                    if rule.compound or rule.kind in PERCENT_KINDS
                    else ln.unit_price
                ),
                sku_id=ln.sku_id,
            )
            for i, ln in enumerate(lines)
            # A unit already free still counts as bought for buy X get Y (and, worth nothing
            # now, is the one it gives): else it would hand out a dearer unit instead.
            if rule.in_scope(ln) and (out.remaining[i] > 0 or rule.kind == OfferKind.BUY_X_GET_Y)
        ]
        if not any(out.remaining[s.index] > 0 for s in scoped):
            out.rejected.append(Rejection(rule.id, c.coupon_id, Reason.NOTHING_LEFT))
            continue
        try:
            wanted = BENEFITS[rule.kind](scoped, rule.params, ctx)
        except NotMet as exc:
            out.rejected.append(Rejection(rule.id, c.coupon_id, exc.reason))
            continue
        taken = [min(w, out.remaining[s.index]) for w, s in zip(wanted, scoped, strict=True)]
        if rule.max_discount is not None and sum(taken) > rule.max_discount:
            taken = split(rule.max_discount, taken)
        per_line = [0] * len(lines)
        for amount, s in zip(taken, scoped, strict=True):
            per_line[s.index] = amount
            out.remaining[s.index] -= amount
        shipping = 0
        if rule.kind == OfferKind.FREE_SHIPPING:
            shipping, out.shipping_left = out.shipping_left, 0
        if rule.kind == OfferKind.GIFT:
            out.gifts.append(
                GiftLine(
                    rule.id, int(rule.params["gift_sku_id"]), int(rule.params.get("quantity", 1))
                )
            )
        total = sum(per_line)
        if total == 0 and shipping == 0 and rule.kind != OfferKind.GIFT:
            out.rejected.append(Rejection(rule.id, c.coupon_id, Reason.NO_DISCOUNT))
            continue
        out.applied.append(
            Adjustment(rule.id, c.coupon_id, rule.name, total, tuple(per_line), shipping)
        )
    return out


def price_basket(
    lines: Sequence[LineIn], candidates: Sequence[Candidate], ctx: PricingContext
) -> Quote:
    rejected: list[Rejection] = []
    eligible: list[Candidate] = []
    for c in candidates:
        reason = _eligibility(c, lines, ctx)
        if reason is None:
            eligible.append(c)
        else:
            rejected.append(Rejection(c.rule.id, c.coupon_id, reason))

    # What a candidate is worth on its own decides stacking groups and exclusives only: worked
    # out when one of those needs it (most candidates in a large offer set need neither).
    alone: dict[tuple[int, int, int], int] = {}

    def worth(c: Candidate) -> tuple[int, int, int, int]:
        key = _key(c)
        if key not in alone:
            alone[key] = _apply([c], lines, ctx).value
        priority, rid, cid = key
        return (alone[key], -priority, -rid, -cid)

    best_in_group: dict[str, Candidate] = {}
    for c in eligible:
        group = c.rule.stacking_group
        if group and (group not in best_in_group or worth(c) > worth(best_in_group[group])):
            best_in_group[group] = c
    kept = []
    for c in eligible:
        group = c.rule.stacking_group
        if group and best_in_group[group] is not c:
            rejected.append(Rejection(c.rule.id, c.coupon_id, Reason.SAME_STACKING_GROUP))
        else:
            kept.append(c)

    exclusives = [c for c in kept if c.rule.exclusive]
    stack = [c for c in kept if not c.rule.exclusive]
    outcome = _apply(stack, lines, ctx)
    if exclusives:
        best = max(exclusives, key=worth)
        solo = _apply([best], lines, ctx)
        if solo.value > outcome.value:
            rejected += [
                Rejection(c.rule.id, c.coupon_id, Reason.EXCLUSIVE_APPLIED)
                for c in kept
                if c is not best
            ]
            outcome = solo
        else:
            rejected += [
                Rejection(c.rule.id, c.coupon_id, Reason.BETTER_STACK_APPLIED) for c in exclusives
            ]
    rejected += outcome.rejected

    quote_lines = []
    for i, ln in enumerate(lines):
        subtotal = ln.unit_price * ln.quantity
        quote_lines.append(
            QuoteLine(
                sku_id=ln.sku_id,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                subtotal=subtotal,
                discount=subtotal - outcome.remaining[i],
                total=outcome.remaining[i],
            )
        )
    subtotal = sum(q.subtotal for q in quote_lines)
    discount = sum(q.discount for q in quote_lines)
    shipping_discount = ctx.shipping - outcome.shipping_left
    return Quote(
        lines=tuple(quote_lines),
        subtotal=subtotal,
        discount=discount,
        shipping=ctx.shipping,
        shipping_discount=shipping_discount,
        total=subtotal - discount + ctx.shipping - shipping_discount,
        applied=tuple(outcome.applied),
        rejected=tuple(rejected),
        gifts=tuple(outcome.gifts),
    )
