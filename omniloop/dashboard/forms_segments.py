"""The segment rule builder (人群圈选): form rows that compose a JSON rule (docs/segments.md).

The form is deliberately loose: it only shapes the rule; the rule parser validates it and names
the part that is wrong, which the page shows next to the count."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from omniloop.insights.rules import FIELDS, LIST_FILTERS, OPS

ROWS = 4
FIELD_LABELS = {
    "recency_days": _("Days since last order"),
    "orders_30d": _("Orders, 30 days"),
    "orders_90d": _("Orders, 90 days"),
    "orders_365d": _("Orders, 365 days"),
    "orders_total": _("Orders, all time"),
    "spend_30d": _("Spend, 30 days"),
    "spend_90d": _("Spend, 90 days"),
    "spend_365d": _("Spend, 365 days"),
    "spend_total": _("Spend, all time"),
    "avg_order_value_365d": _("Average order value, 365 days"),
    "tenure_days": _("Days since joining"),
    "tier": _("Tier"),
    "points_balance": _("Points balance"),
    "home_store": _("Bound store (code)"),
    "city": _("City"),
    "gender": _("Gender (f, m)"),
    "age": _("Age"),
    "rfm_r": _("RFM recency score"),
    "rfm_f": _("RFM frequency score"),
    "rfm_m": _("RFM monetary score"),
    "lifecycle": _("Lifecycle stage"),
    "top_category": _("Favourite category (code)"),
    "p_alive": _("P(alive)"),
    "clv_365d": _("Predicted value, 365 days"),
}
FILTER_LABELS = {
    "sku": _("SKU codes"),
    "product": _("Style codes"),
    "category": _("Category codes"),
    "department": _("Departments"),
    "brand": _("Brands"),
    "store": _("Store codes"),
    "channel": _("Channel codes"),
}
WEEKDAYS = [
    (1, _("Mon")),
    (2, _("Tue")),
    (3, _("Wed")),
    (4, _("Thu")),
    (5, _("Fri")),
    (6, _("Sat")),
    (7, _("Sun")),
]


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _typed(field: str, text: str) -> Any:
    if FIELDS[field] in ("int", "days", "age"):
        try:
            return int(text)
        except ValueError:
            return text
    return text


class SegmentBuilderForm(forms.Form):
    match = forms.ChoiceField(
        label=_("Members matching"),
        choices=[("all", _("all of the conditions")), ("any", _("any of the conditions"))],
        required=False,
    )
    p_mode = forms.ChoiceField(
        label=_("Purchase"),
        required=False,
        choices=[
            ("", _("no purchase condition")),
            ("did", _("bought")),
            ("did_not", _("never bought")),
        ],
    )
    p_weekdays = forms.TypedMultipleChoiceField(
        label=_("On weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    p_hour_from = forms.IntegerField(
        label=_("From hour"), required=False, min_value=0, max_value=24
    )
    p_hour_to = forms.IntegerField(label=_("To hour"), required=False, min_value=0, max_value=24)
    p_within_days = forms.IntegerField(label=_("Within days"), required=False, min_value=1)
    p_min_orders = forms.IntegerField(label=_("At least orders"), required=False, min_value=1)
    p_min_amount = forms.DecimalField(label=_("Lines at least (¥)"), required=False, min_value=0)
    rule_json = forms.CharField(
        label=_("Rule as JSON (used instead of the rows when filled)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )
    as_of = forms.CharField(
        label=_("As of (date; empty: now)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field_choices = [("", "—"), *((name, FIELD_LABELS[name]) for name in FIELDS)]
        for i in range(ROWS):
            self.fields[f"c{i}_field"] = forms.ChoiceField(
                label=_("Field"), choices=field_choices, required=False
            )
            self.fields[f"c{i}_op"] = forms.ChoiceField(
                label=_("Operator"), choices=[(op, op) for op in OPS], required=False
            )
            self.fields[f"c{i}_value"] = forms.CharField(
                label=_("Value"), required=False, max_length=500
            )
        for key in LIST_FILTERS:
            self.fields[f"p_{key}"] = forms.CharField(
                label=FILTER_LABELS[key], required=False, max_length=500
            )

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"c{i}_field"], self[f"c{i}_op"], self[f"c{i}_value"]) for i in range(ROWS)]

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[f"p_{key}"] for key in LIST_FILTERS]

    def rule(self) -> Any:
        """The composed rule (or the JSON one), None when nothing is asked yet."""
        data = self.cleaned_data
        if data.get("rule_json", "").strip():
            try:
                return json.loads(data["rule_json"])
            except ValueError:
                return {"invalid_json": True}
        parts: list[Any] = []
        for i in range(ROWS):
            field = data.get(f"c{i}_field")
            if not field:
                continue
            op, text = data.get(f"c{i}_op") or "=", data.get(f"c{i}_value", "")
            value: Any
            if op in ("in", "between"):
                value = [_typed(field, v) for v in _split(text)]
            else:
                value = _typed(field, text.strip())
            parts.append({"field": field, "op": op, "value": value})
        if data.get("p_mode"):
            spec: dict[str, Any] = {}
            for key in LIST_FILTERS:
                values = _split(data.get(f"p_{key}", ""))
                if values:
                    spec[key] = values
            if data.get("p_weekdays"):
                spec["weekdays"] = data["p_weekdays"]
            if data.get("p_hour_from") is not None or data.get("p_hour_to") is not None:
                spec["hours"] = [data.get("p_hour_from") or 0, data.get("p_hour_to") or 24]
            for key in ("within_days", "min_orders"):
                if data.get(f"p_{key}"):
                    spec[key] = data[f"p_{key}"]
            if data.get("p_min_amount") is not None:
                spec["min_amount"] = str(data["p_min_amount"])
            purchased = {"purchased": spec}
            parts.append(purchased if data["p_mode"] == "did" else {"not": purchased})
        if not parts:
            return None
        if len(parts) == 1:
            return parts[0]
        return {data.get("match") or "all": parts}


class SegmentSaveForm(forms.Form):
    slug = forms.SlugField(label=_("Short name (letters, digits, -)"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=100)
    rule_json = forms.CharField(widget=forms.HiddenInput)
