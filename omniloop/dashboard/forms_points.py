"""Forms of the Points (积分) pages: the policy, earn rules, adjustments."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omniloop.members.models import MEMBER_TIERS

TIER_CHOICES = [("", _("Every tier"))] + [(t, t) for t in MEMBER_TIERS]


class PointsPolicyForm(forms.Form):
    earn_per_yuan = forms.DecimalField(
        label=_("Points per yuan paid"), min_value=0, max_value=100, decimal_places=2
    )
    redeem_points_per_yuan = forms.IntegerField(
        label=_("Points that pay ¥1"), min_value=1, max_value=100_000
    )
    redeem_max_share_pct = forms.IntegerField(
        label=_("Most of an order points may pay (%)"), min_value=0, max_value=100
    )
    tier_metric = forms.ChoiceField(
        label=_("Tier metric"),
        choices=[("points_earned", _("Points earned")), ("spend", _("Spend"))],
    )
    tier_window_days = forms.IntegerField(
        label=_("Over the last (days)"), min_value=1, max_value=3650
    )
    tier_thresholds = forms.CharField(
        label=_("Tier thresholds"),
        help_text=_('JSON, for example {"silver": 1000, "gold": 5000, "platinum": 20000}'),
        required=False,
    )

    def clean_tier_thresholds(self) -> dict[str, Any]:
        raw = (self.cleaned_data.get("tier_thresholds") or "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON.")) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("A JSON object of tier: threshold."))
        return value


class EarnRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("multiplier", _("Multiplier")), ("bonus", _("Bonus points per order"))],
    )
    multiplier = forms.DecimalField(
        label=_("Multiplier"), min_value=0, max_value=100, decimal_places=2, initial=2
    )
    bonus_points = forms.IntegerField(label=_("Bonus points"), min_value=0, initial=0)
    min_spend = forms.DecimalField(label=_("Minimum spend"), min_value=0, initial=0)
    tier = forms.ChoiceField(label=_("Tier"), choices=TIER_CHOICES, required=False)
    channel_code = forms.CharField(label=_("Channel code"), max_length=32, required=False)
    category_code = forms.CharField(label=_("Category code"), max_length=32, required=False)
    starts_at = forms.DateTimeField(label=_("Starts"), required=False)
    ends_at = forms.DateTimeField(label=_("Ends"), required=False)


class AdjustmentRequestForm(forms.Form):
    points = forms.IntegerField(
        label=_("Points (negative to deduct)"), min_value=-10_000_000, max_value=10_000_000
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)
