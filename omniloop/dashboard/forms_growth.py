"""Forms of the growth pages: the referral rules and a new lottery."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from omniloop.promotions.models import CouponTemplate

DATETIME = {"type": "datetime-local"}


def _templates() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=CouponTemplate.objects.filter(
            active=True, code_kind=CouponTemplate.CodeKind.UNIQUE
        ).order_by("name"),
        required=False,
    )


class ReferralProgramForm(forms.Form):
    active = forms.BooleanField(required=False, label=_("Referral rewards are on"))
    referrer_points = forms.IntegerField(
        min_value=0, max_value=100_000, label=_("Points for the referrer")
    )
    referrer_template = _templates()
    referee_points = forms.IntegerField(
        min_value=0, max_value=100_000, label=_("Extra points for the new member")
    )
    referee_template = _templates()
    cooling_days = forms.IntegerField(
        min_value=0,
        max_value=90,
        label=_("Days after the first purchase before the reward"),
        help_text=_("A refund of the first order within these days cancels the reward."),
    )
    monthly_cap = forms.IntegerField(
        min_value=0, max_value=1000, label=_("Rewards per referrer per month")
    )
    link_days = forms.IntegerField(
        min_value=1, max_value=365, label=_("Days an opened link still counts")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["referrer_template"].label = _("Coupon for the referrer (optional)")
        self.fields["referee_template"].label = _("Coupon for the new member (optional)")


class LotteryForm(forms.Form):
    title = forms.CharField(max_length=100, label=_("Title (Chinese)"))
    title_en = forms.CharField(max_length=100, required=False, label=_("Title (English)"))
    coupon_template = forms.ModelChoiceField(
        queryset=CouponTemplate.objects.filter(
            active=True, code_kind=CouponTemplate.CodeKind.UNIQUE
        ).order_by("name"),
        label=_("Prize (coupon template)"),
    )
    winners = forms.IntegerField(min_value=1, max_value=10_000, label=_("Number of winners"))
    opens_at = forms.DateTimeField(
        label=_("Entries open"), widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M")
    )
    closes_at = forms.DateTimeField(
        label=_("Entries close"),
        widget=forms.DateTimeInput(attrs=DATETIME, format="%Y-%m-%dT%H:%M"),
    )
    requires_follow = forms.BooleanField(
        required=False, initial=True, label=_("Entrants must follow the service account")
    )
