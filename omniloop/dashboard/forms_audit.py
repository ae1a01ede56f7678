"""The audit page's search form: every field optional, dates as whole days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from omniloop.audit.selectors import AuditQuery

TARGET_TYPES = [
    ("", _("Any target")),
    ("member", _("Member")),
    ("offer", _("Offer")),
    ("coupon_template", _("Coupon template")),
    ("api_token", _("API token")),
    ("user", _("Staff account")),
    ("brand_settings", _("Brand settings")),
    ("points_policy", _("Points policy")),
    ("earn_rule", _("Earn rule")),
    ("points_adjustment", _("Points adjustment")),
    ("dashboard_view", _("Dashboard page")),
    ("api_operation", _("API operation")),
]
DATE = forms.DateInput(attrs={"type": "date"})
OUTCOMES = [("", _("Any outcome")), ("ok", _("Allowed")), ("denied", _("Denied"))]


class AuditFilterForm(forms.Form):
    actor = forms.RegexField(
        regex=r"^((user|token):)?\d{1,18}$",
        required=False,
        label=_("Actor"),
        help_text=_("A staff user id (12, user:12) or an API token id (token:3)."),
        error_messages={"invalid": _("Use a user id (user:12) or a token id (token:3).")},
    )
    action = forms.RegexField(
        regex=r"^[a-z_]+(\.[a-z_]*)?$",
        max_length=64,
        required=False,
        label=_("Action"),
        help_text=_("An action code (offer.pause), or its start (offer.)."),
        error_messages={"invalid": _("Use an action code such as offer.pause or offer.")},
        widget=forms.TextInput(attrs={"list": "audit-actions"}),
    )
    target_type = forms.ChoiceField(choices=TARGET_TYPES, required=False, label=_("Target"))
    target_id = forms.CharField(max_length=64, required=False, label=_("Target id"))
    outcome = forms.ChoiceField(choices=OUTCOMES, required=False, label=_("Outcome"))
    date_from = forms.DateField(
        required=False, label=pgettext_lazy("audit date", "From"), widget=DATE
    )
    date_to = forms.DateField(required=False, label=pgettext_lazy("audit date", "To"), widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end is before the start."))
        return data

    def query(self) -> AuditQuery:
        d = self.cleaned_data
        return AuditQuery(
            actor=d.get("actor") or "",
            action=d.get("action") or "",
            target_type=d.get("target_type") or "",
            target_id=(d.get("target_id") or "").strip(),
            outcome=d.get("outcome") or "",
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
        )
