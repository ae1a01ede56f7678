"""A priced cart as the shopper reads it: each line with its SKU, what applied and why the other
offers did not (the engine's reason codes, explained in the shopper's language)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Sku
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.values import Reason

REASONS: dict[str, Promise] = {
    Reason.NOT_STARTED: _("Not started yet"),
    Reason.ENDED: _("Ended"),
    Reason.OUTSIDE_HOURS: _("Not at this time"),
    Reason.WRONG_CHANNEL: _("Not in this mall"),
    Reason.WRONG_STORE: _("Not in this store"),
    Reason.MEMBERS_ONLY: _("Members only: join to get it"),
    Reason.TIER_NOT_ELIGIBLE: _("Not for your member tier"),
    Reason.SEGMENT_NOT_ELIGIBLE: _("For selected members only"),
    Reason.NO_ELIGIBLE_ITEMS: _("No item in your cart is included"),
    Reason.THRESHOLD_NOT_MET: _("Spend a little more to get it"),
    Reason.COUPON_REQUIRED: _("Needs a coupon"),
    Reason.SAME_STACKING_GROUP: _("A better offer of the same kind applied"),
    Reason.EXCLUSIVE_APPLIED: _("An exclusive offer applied instead"),
    Reason.BETTER_STACK_APPLIED: _("The other offers together save you more"),
    Reason.NOTHING_LEFT: _("Nothing left to discount"),
    Reason.NO_DISCOUNT: _("No discount on this cart"),
}


@dataclass(frozen=True)
class CartRow:
    sku: Sku
    quantity: int
    unit_price: Decimal
    discount: Decimal
    total: Decimal


@dataclass(frozen=True)
class OfferRow:
    name: str
    amount: Decimal = Decimal("0")
    reason: str = ""  # the engine's code, for support
    explanation: str = ""


@dataclass(frozen=True)
class CartView:
    rows: list[CartRow]
    applied: list[OfferRow]
    not_applied: list[OfferRow]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    shipping_discount: Decimal
    total: Decimal
    count: int


def cart_view(priced: PricedQuote) -> CartView:
    q = priced.quote
    skus = {
        s.pk: s
        for s in Sku.objects.select_related("product")
        .prefetch_related("product__photos")
        .filter(pk__in=[line.sku_id for line in q.lines])
    }
    rows = [
        CartRow(
            sku=skus[line.sku_id],
            quantity=line.quantity,
            unit_price=priced.yuan(line.unit_price),
            discount=priced.yuan(line.discount),
            total=priced.yuan(line.total),
        )
        for line in q.lines
    ]
    applied = [OfferRow(name=a.name, amount=priced.yuan(a.amount + a.shipping)) for a in q.applied]
    seen: set[int] = set()
    not_applied = []
    for r in q.rejected:
        # Show an offer once, and not the ones that simply are not for this mall.
        if r.offer_id in seen or r.reason == Reason.WRONG_CHANNEL:
            continue
        seen.add(r.offer_id)
        not_applied.append(
            OfferRow(
                name=priced.offer_name(r),
                reason=r.reason.value,
                explanation=str(REASONS.get(r.reason, r.reason.value)),
            )
        )
    return CartView(
        rows=rows,
        applied=applied,
        not_applied=not_applied,
        subtotal=priced.yuan(q.subtotal),
        discount=priced.yuan(q.discount),
        shipping=priced.yuan(q.shipping),
        shipping_discount=priced.yuan(q.shipping_discount),
        total=priced.total,
        count=sum(line.quantity for line in q.lines),
    )
