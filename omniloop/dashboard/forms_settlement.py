"""Forms of the settlement rules page: a flow's split (percentages, stored as basis points), a
commission rate, and closing a period."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Category
from omniloop.dashboard.labels import choices


def percent_field(label: object, **kwargs: object) -> forms.DecimalField:
    """A percentage, 0-100 with at most 2 decimals (a basis point)."""
    return forms.DecimalField(
        label=label,  # type: ignore[arg-type]
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        decimal_places=2,
        **kwargs,  # type: ignore[arg-type]
    )


def percent_to_bp(value: Decimal) -> int:
    return int(value * 100)


class SplitForm(forms.Form):
    form = forms.CharField(widget=forms.HiddenInput, initial="split")
    flow = forms.ChoiceField(label=_("Order flow"), choices=choices("settlement_flow"))
    credited = percent_field(
        _("Credited (bound) store %"), help_text=_("With the credited assistant."), initial=0
    )
    ordering = percent_field(
        _("Ordering store %"),
        help_text=_("The store of the scanned tag, card or tablet."),
        initial=0,
    )
    fulfilling = percent_field(_("Fulfilling store %"), initial=0)
    enabled = forms.BooleanField(
        label=_("Settle orders of this flow"), required=False, initial=True
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CommissionForm(forms.Form):
    form = forms.CharField(widget=forms.HiddenInput, initial="commission")
    flow = forms.ChoiceField(
        label=_("Order flow"),
        choices=[("", _("Any flow")), *choices("settlement_flow")],
        required=False,
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.order_by("code"),
        required=False,
        empty_label=_("Any category"),
    )
    rate = percent_field(_("Commission %"))
    active = forms.BooleanField(
        label=_("In force"),
        required=False,
        initial=True,
        help_text=_("Untick to remove this rate from now on."),
    )


class CloseForm(forms.Form):
    form = forms.CharField(widget=forms.HiddenInput, initial="close")
    period = forms.ChoiceField(label=_("Period"), choices=[])

    def __init__(self, *args: object, periods: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["period"].choices = periods  # type: ignore[attr-defined]
