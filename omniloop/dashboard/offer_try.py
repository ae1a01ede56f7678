"""The "try it" box of an offer: a basket typed as SKU codes and quantities, priced by
`pricing.quote` exactly as a till would price it, and what happened to this offer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.accounts.access import Actor
from omniloop.dashboard.forms import StoreChoiceField
from omniloop.dashboard.forms_promotions import localized
from omniloop.members.selectors import member_by_code
from omniloop.promotions.models import Offer
from omniloop.promotions.priced import PricedQuote
from omniloop.promotions.values import Reason
from omniloop.stores.models import SalesChannel, Store

REASONS: dict[str, Promise] = {
    Reason.NOT_STARTED: _("Not started yet"),
    Reason.ENDED: _("Ended"),
    Reason.OUTSIDE_HOURS: _("Outside its days or hours"),
    Reason.WRONG_CHANNEL: _("Not in this channel"),
    Reason.WRONG_STORE: _("Not in this store"),
    Reason.MEMBERS_ONLY: _("Members only"),
    Reason.TIER_NOT_ELIGIBLE: _("Not for this member tier"),
    Reason.SEGMENT_NOT_ELIGIBLE: _("Not for this member's segments"),
    Reason.NO_ELIGIBLE_ITEMS: _("No item in the basket is in scope"),
    Reason.THRESHOLD_NOT_MET: _("Minimum spend or quantity not reached"),
    Reason.COUPON_REQUIRED: _("Needs a coupon"),
    Reason.SAME_STACKING_GROUP: _("A better offer of the same stacking group applied"),
    Reason.EXCLUSIVE_APPLIED: _("An exclusive offer applied instead"),
    Reason.BETTER_STACK_APPLIED: _("The other offers together give more"),
    Reason.NOTHING_LEFT: _("Nothing left to discount"),
    Reason.NO_DISCOUNT: _("No discount on this basket"),
    # Coupon problems (promotions.coupon_values.CouponReason)
    "coupon_unknown": _("No coupon has this code"),
    "coupon_expired": _("This coupon has expired"),
    "coupon_not_started": _("This coupon cannot be used yet"),
    "coupon_not_yours": _("This coupon belongs to another member"),
    "coupon_already_redeemed": _("This coupon has already been used"),
    "coupon_reserved": _("This coupon is held by another checkout"),
    "coupon_limit_reached": _("This code has been used up"),
    "coupon_member_limit": _("Used as often as allowed"),
    "coupon_inactive": _("This coupon is no longer valid"),
}
_PARTS = re.compile(r"[\s×*]+")


def _line(raw: str) -> tuple[str, int] | None:
    """ "JK100-M 2", "JK100-M x 2", "JK100-M×2" or a bare "JK100-M" (one unit)."""
    parts = [p for p in _PARTS.split(raw.strip()) if p]
    if len(parts) == 3 and parts[1].lower() == "x":
        parts = [parts[0], parts[2]]
    if len(parts) == 1:
        return parts[0], 1
    if len(parts) == 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 999:
        return parts[0], int(parts[1])
    return None


def reason_label(code: str) -> str:
    return str(REASONS.get(code, code))


class TryForm(forms.Form):
    items = forms.CharField(
        label=_("Basket"),
        help_text=_("One SKU code (or barcode) a line, then the quantity: JK100-M 2"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )
    channel = forms.ChoiceField(label=_("Channel"))
    store = StoreChoiceField(queryset=Store.objects.none(), required=False, label=_("Store"))
    member = forms.CharField(
        required=False, max_length=20, label=_("Member code"), help_text=_("For tier prices.")
    )
    coupons = forms.CharField(required=False, max_length=200, label=_("Coupon codes"))
    at = forms.DateTimeField(
        required=False,
        label=_("At"),
        help_text=_("Empty: now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, actor: Actor, offer: Offer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = sorted(
            SalesChannel.objects.filter(active=True),
            key=lambda c: (c.kind != SalesChannel.Kind.STORE_TILL, c.code),
        )
        self.fields["channel"].choices = [  # type: ignore[attr-defined]
            (c.code, localized(c)) for c in channels
        ]
        # Start from a basket the offer can meet: its first channel and store.
        if offer.channels:
            self.fields["channel"].initial = offer.channels[0]
        offer_stores = [s.pk for s in offer.stores.all()]
        if offer_stores:
            self.fields["store"].initial = offer_stores[0]
        stores = Store.objects.order_by("code")
        if not actor.is_hq:
            # Store managers try baskets at their own till, as their customers would meet them.
            stores = stores.filter(pk=actor.own_store_id)
            self.fields["store"].required = True
            self.fields["store"].empty_label = None  # type: ignore[attr-defined]
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]

    def clean_items(self) -> list[tuple[str, int]]:
        items = []
        for raw in self.cleaned_data["items"].splitlines():
            if not raw.strip():
                continue
            item = _line(raw)
            if item is None:
                raise forms.ValidationError(
                    gettext("Write each line as a SKU code and a quantity: %(line)s")
                    % {"line": raw}
                )
            items.append(item)
        if not items:
            raise forms.ValidationError(gettext("Give at least one SKU."))
        return items[:50]

    def clean_member(self) -> int | None:
        code = self.cleaned_data["member"].strip()
        if not code:
            return None
        member = member_by_code(code=code)
        if member is None:
            raise forms.ValidationError(gettext("No active member with this code."))
        return member.pk

    def clean_coupons(self) -> list[str]:
        return [c for c in re.split(r"[\s,，]+", self.cleaned_data["coupons"]) if c][:10]


@dataclass(frozen=True)
class Outcome:
    """What happened to the offer on the page."""

    kind: str  # applied, rejected, absent
    amount: int = 0  # fen, when applied
    reason: str = ""


def outcome_for(offer: Offer, priced: PricedQuote) -> Outcome:
    for a in priced.quote.applied:
        if a.offer_id == offer.pk:
            return Outcome("applied", amount=a.amount + a.shipping)
    for r in priced.quote.rejected:
        if r.offer_id == offer.pk:
            return Outcome("rejected", reason=reason_label(r.reason))
    return Outcome("absent")


def result_rows(priced: PricedQuote) -> dict[str, Any]:
    q = priced.quote
    return {
        "lines": [
            {"sku": code, "line": line}
            for code, line in zip(priced.basket.sku_codes, q.lines, strict=True)
        ],
        "applied": [{"name": priced.offer_name(a), "a": a} for a in q.applied],
        "rejected": [
            {
                "name": priced.offer_name(r),
                "code": priced.coupon_code(r),
                "reason": reason_label(r.reason),
            }
            for r in q.rejected
        ],
        "gifts": [(priced.gift_sku_codes.get(g.sku_id, g.sku_id), g.quantity) for g in q.gifts],
        "problems": [(p.code, reason_label(p.reason)) for p in priced.coupon_problems],
    }
