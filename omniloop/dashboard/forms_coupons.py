"""Forms of the coupon template and flash sale pages. The services check everything again;
their refusals are shown on the field they concern (`SERVICE_FIELDS`)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Sku
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.forms import DashChoiceField, show_when
from omniloop.dashboard.offer_kinds import KIND_LABELS, form_kind
from omniloop.promotions.coupon_templates import TERMS
from omniloop.promotions.models import CouponTemplate, Offer

DATETIME = {"type": "datetime-local"}
MAX_CODES = 1000
_SPLIT = re.compile(r"[\s,，、;；]+")

# Service error codes -> the form field they concern (others show above the form).
SERVICE_FIELDS = {
    "coupon_name_invalid": "name",
    "coupon_offer_not_coupon_only": "offer",
    "coupon_offer_ended": "offer",
    "coupon_code_kind_invalid": "code_kind",
    "coupon_shared_code_required": "shared_code",
    "coupon_shared_code_invalid": "shared_code",
    "coupon_shared_code_taken": "shared_code",
    "coupon_shared_not_issuable": "code_kind",
    "coupon_validity_required": "valid_until",
    "coupon_validity_invalid": "valid_until",
    "coupon_reserve_minutes_invalid": "reserve_minutes",
    "coupon_limit_invalid": "per_member_limit",
    "coupon_issue_limit_below_issued": "issue_limit",
    "coupon_shared_limit_below_used": "shared_code_limit",
    "coupon_shared_code_unexpected": "shared_code",
    "flash_name_invalid": "name",
    "price_invalid": "price",
    "stock_invalid": "stock",
    "limit_invalid": "per_member_limit",
    "hold_minutes_invalid": "hold_minutes",
    "window_invalid": "ends_at",
    "sku_not_found": "sku",
}


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service refusal on the fields it names (`extra["fields"]`), else on the field its
    code concerns, else above the form."""
    named = [f for f in exc.extra.get("fields", ()) if f in form.fields]
    field = SERVICE_FIELDS.get(exc.code)
    for name in named or [field if field in form.fields else None]:
        form.add_error(name, gettext(exc.message))


class OfferChoiceField(DashChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {KIND_LABELS.get(form_kind(obj), obj.kind)}"


class CouponTemplateForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    offer = OfferChoiceField(
        queryset=Offer.objects.none(),
        label=_("Offer"),
        help_text=_("Only offers marked “only with a coupon” are listed."),
    )
    code_kind = forms.ChoiceField(
        choices=[
            (CouponTemplate.CodeKind.UNIQUE.value, _("A single-use code per coupon")),
            (CouponTemplate.CodeKind.SHARED.value, _("One shared code for everyone")),
        ],
        initial=CouponTemplate.CodeKind.UNIQUE.value,
        label=_("Codes"),
        widget=forms.RadioSelect,
    )
    shared_code = forms.CharField(
        max_length=32,
        required=False,
        label=_("Shared code"),
        help_text=_("4-32 letters and digits, e.g. SPRING50."),
        widget=show_when("code_kind", "shared", widget=forms.TextInput),
    )
    shared_code_limit = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Uses of the shared code in all"),
        help_text=_("Leave empty for no limit."),
        widget=show_when("code_kind", "shared", widget=forms.NumberInput),
    )
    per_member_limit = forms.IntegerField(
        min_value=1, max_value=1000, initial=1, label=_("Per member")
    )
    issue_limit = forms.IntegerField(
        required=False,
        min_value=1,
        label=_("Coupons in all"),
        help_text=_("Leave empty for no limit."),
        widget=show_when("code_kind", "unique", widget=forms.NumberInput),
    )
    claimable = forms.BooleanField(
        required=False,
        label=_("Members may claim it by link or QR code"),
        widget=show_when("code_kind", "unique", widget=forms.CheckboxInput),
    )
    welcome = forms.BooleanField(
        required=False,
        label=_("Give one to every new member when they join"),
        widget=show_when("code_kind", "unique", widget=forms.CheckboxInput),
    )
    valid_from = forms.DateTimeField(
        required=False,
        label=_("Valid from"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    valid_until = forms.DateTimeField(
        required=False,
        label=_("Valid until"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    valid_days = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=3650,
        label=_("Or valid for N days from issue"),
        widget=show_when("code_kind", "unique", widget=forms.NumberInput),
    )
    restore_on_return = forms.BooleanField(
        required=False, initial=True, label=_("Give the coupon back when the order is returned")
    )
    reserve_minutes = forms.IntegerField(
        min_value=1,
        max_value=1440,
        initial=15,
        label=_("Checkout hold (minutes)"),
        help_text=_("How long a checkout may hold a coupon before paying."),
    )

    def __init__(self, *args: Any, template: CouponTemplate | None = None, **kwargs: Any) -> None:
        """With `template`, an edit form: filled in from it, and its own offer stays listed
        even once ended."""
        if template is not None:
            kwargs.setdefault("initial", {f: getattr(template, f) for f in TERMS if f != "offer"})
            kwargs["initial"]["offer"] = template.offer_id
        super().__init__(*args, **kwargs)
        offers = Offer.objects.filter(coupon_only=True).exclude(status=Offer.Status.ENDED)
        if template is not None:
            offers = offers | Offer.objects.filter(pk=template.offer_id)
            self._edit_help(template)
        self.fields["offer"].queryset = offers.order_by("-pk")  # type: ignore[attr-defined]

    def _edit_help(self, template: CouponTemplate) -> None:
        if template.issued_count or template.shared_code_used:
            for name in ("offer", "code_kind", "shared_code"):
                self.fields[name].help_text = _("Fixed: coupons are already issued or used.")
        if template.issued_count:
            self.fields["issue_limit"].help_text = gettext(
                "At least %(n)s, the coupons issued so far; empty for no limit."
            ) % {"n": template.issued_count}
        if template.shared_code_used:
            self.fields["shared_code_limit"].help_text = gettext(
                "At least %(n)s, the uses so far; empty for no limit."
            ) % {"n": template.shared_code_used}
        self.fields["valid_until"].help_text = _(
            "Coupons already issued keep the validity they were issued with."
        )

    def terms(self) -> dict[str, Any]:
        """The cleaned terms as `coupon_template_create` and `coupon_template_update` take them."""
        d = self.cleaned_data
        return {f: d[f] for f in TERMS} | {"shared_code": d["shared_code"] or None}

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        shared = d.get("code_kind") == CouponTemplate.CodeKind.SHARED
        if shared and not d.get("shared_code"):
            self.add_error("shared_code", gettext("A shared template needs its shared code."))
        if not d.get("valid_until") and not (d.get("valid_days") and not shared):
            self.add_error("valid_until", gettext("Give an end date or a number of valid days."))
        # Fields of the other code kind are dropped, not sent by accident.
        if shared:
            d.update(issue_limit=None, claimable=False, welcome=False, valid_days=None)
        else:
            d.update(shared_code=None, shared_code_limit=None)
        return d


class IssueForm(forms.Form):
    member_codes = forms.CharField(
        label=_("Member codes"),
        help_text=_("One member code a line (up to 1,000)."),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )

    def clean_member_codes(self) -> list[str]:
        codes = list(dict.fromkeys(c for c in _SPLIT.split(self.cleaned_data["member_codes"]) if c))
        if not codes:
            raise forms.ValidationError(gettext("Paste at least one member code."))
        if len(codes) > MAX_CODES:
            raise forms.ValidationError(gettext("At most 1,000 member codes at a time."))
        return codes


class FlashSaleForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    sku = forms.CharField(max_length=64, label=_("SKU code"))
    price = forms.DecimalField(
        min_value=Decimal(0), max_digits=10, decimal_places=2, label=_("Flash price (¥)")
    )
    stock = forms.IntegerField(min_value=1, max_value=10_000_000, label=_("Units for sale"))
    per_member_limit = forms.IntegerField(
        min_value=1, max_value=999, initial=1, label=_("Per member")
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"), widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M")
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"), widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M")
    )
    hold_minutes = forms.IntegerField(
        min_value=1,
        max_value=1440,
        initial=15,
        label=_("Time to pay (minutes)"),
        help_text=_("A claimed unit goes back to the stock if not paid in time."),
    )
    active = forms.BooleanField(
        required=False, initial=True, label=_("Open it now (claims start at the start time)")
    )

    def clean_sku(self) -> int:
        sku = Sku.objects.filter(sku_code=self.cleaned_data["sku"].strip(), active=True).first()
        if sku is None:
            raise forms.ValidationError(gettext("No active SKU has this code."))
        return sku.pk

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        if d.get("starts_at") and d.get("ends_at") and d["ends_at"] <= d["starts_at"]:
            self.add_error("ends_at", gettext("The sale must end after it starts."))
        return d
