"""The benefit half of the offer form: one select picks the benefit, and only that benefit's
fields show (the `show_when` helper); money is typed in yuan and leaves as integer fen in
`params`. The form names the field for what it can check and then asks `validate_params`, so
the rules live in one place (`promotions.params`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Sku
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.forms import show_when
from omniloop.dashboard.offer_kinds import (
    FORM_KINDS,
    KIND_FIELDS,
    KIND_REQUIRED,
    MEMBER_TIERS,
    PARAM_FIELDS,
    THRESHOLD_REPEAT,
    TIER_LABELS,
    TIER_ROWS,
    stored_kind,
)
from omniloop.promotions.money import to_fen
from omniloop.promotions.params import validate_params
from omniloop.promotions.values import OfferKind

BENEFIT_ORDER = [
    "amount",
    "pay_percent",
    *(f"tier{i}_{part}" for i in range(1, TIER_ROWS + 1) for part in ("spend", "off")),
    "repeat_every",
    "repeat_off",
    "cap",
    "gift_sku",
    "gift_quantity",
    "buy",
    "get",
    "get_pay_percent",
    *(f"pay_{t}" for t in MEMBER_TIERS),
    "price",
    "sku_prices",
    "min_spend",
]


def yuan(label: Any, *, kinds: tuple[str, ...], help_text: Any = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal("0.01"),
        max_digits=10,
        decimal_places=2,
        help_text=help_text,
        widget=show_when("kind", *kinds, widget=forms.NumberInput),
    )


def whole(
    label: Any, *, kinds: tuple[str, ...], lo: int, hi: int, help_text: Any = ""
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=lo,
        max_value=hi,
        help_text=help_text,
        widget=show_when("kind", *kinds, widget=forms.NumberInput),
    )


def _kinds_with(field: str) -> tuple[str, ...]:
    return tuple(kind for kind, names in KIND_FIELDS.items() if field in names)


class BenefitForm(forms.Form):
    kind = forms.ChoiceField(choices=FORM_KINDS, label=_("Benefit"))
    # Benefit fields; all optional here, required per kind in clean().
    amount = yuan(_("Amount off (¥)"), kinds=_kinds_with("amount"))
    pay_percent = whole(
        _("Customer pays (%)"),
        kinds=_kinds_with("pay_percent"),
        lo=1,
        hi=99,
        help_text=_("80 means 8折, that is 20 percent off."),
    )
    repeat_every = yuan(_("For every (¥)"), kinds=(THRESHOLD_REPEAT,))
    repeat_off = yuan(_("Take off (¥)"), kinds=(THRESHOLD_REPEAT,))
    cap = yuan(
        _("At most (¥ off)"), kinds=_kinds_with("cap"), help_text=_("Leave empty for no cap.")
    )
    buy = whole(_("Buy (units)"), kinds=_kinds_with("buy"), lo=1, hi=99)
    get = whole(_("Get (units)"), kinds=_kinds_with("get"), lo=1, hi=99)
    get_pay_percent = whole(
        _("Those units pay (%)"),
        kinds=_kinds_with("get_pay_percent"),
        lo=0,
        hi=99,
        help_text=_("0 means free; the cheapest units are the ones discounted."),
    )
    price = yuan(
        _("Special price per unit (¥)"),
        kinds=_kinds_with("price"),
        help_text=_("For every product in scope, unless a SKU has its own price below."),
    )
    sku_prices = forms.CharField(
        required=False,
        label=_("Prices per SKU"),
        help_text=_("One SKU a line: the SKU code, then the price in yuan, e.g. JK100-M 199."),
        widget=forms.Textarea(
            attrs={"rows": 3, "data-show-when": f"kind={','.join(_kinds_with('sku_prices'))}"}
        ),
    )
    gift_sku = forms.CharField(
        required=False,
        max_length=64,
        label=_("Gift SKU code"),
        widget=show_when("kind", *_kinds_with("gift_sku"), widget=forms.TextInput),
    )
    gift_quantity = whole(_("Gift quantity"), kinds=_kinds_with("gift_quantity"), lo=1, hi=99)
    min_spend = yuan(
        _("Minimum spend (¥)"),
        kinds=_kinds_with("min_spend"),
        help_text=_("On the products in scope; leave empty for none."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, TIER_ROWS + 1):
            kinds = (OfferKind.THRESHOLD.value,)
            self.fields[f"tier{i}_spend"] = yuan(
                _("Tier %(n)d: spend at least (¥)") % {"n": i}, kinds=kinds
            )
            self.fields[f"tier{i}_off"] = yuan(
                _("Tier %(n)d: take off (¥)") % {"n": i}, kinds=kinds
            )
        for tier in MEMBER_TIERS:
            self.fields[f"pay_{tier}"] = whole(
                _("%(tier)s members pay (%%)") % {"tier": TIER_LABELS[tier]},
                kinds=_kinds_with(f"pay_{tier}"),
                lo=1,
                hi=99,
            )
        self.params: dict[str, Any] = {}

    def clean_gift_sku(self) -> int | None:
        code = (self.cleaned_data.get("gift_sku") or "").strip()
        if not code:
            return None
        sku = Sku.objects.filter(sku_code=code, active=True).first()
        if sku is None:
            raise forms.ValidationError(gettext("No active SKU has this code."))
        return sku.pk

    def clean_sku_prices(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for raw in (self.cleaned_data.get("sku_prices") or "").splitlines():
            parts = raw.split()
            if not parts:
                continue
            try:
                code, price = parts[0], Decimal(parts[1].lstrip("¥"))
                if len(parts) != 2 or price <= 0:
                    raise ValueError
            except (IndexError, ArithmeticError, ValueError):
                raise forms.ValidationError(
                    gettext("Write each line as a SKU code and a price: %(line)s") % {"line": raw}
                ) from None
            sku = Sku.objects.filter(sku_code=code).only("pk").first()
            if sku is None:
                raise forms.ValidationError(gettext("Unknown SKU code: %(code)s") % {"code": code})
            out[str(sku.pk)] = to_fen(price)
        return out

    def _build_params(self, kind: str, d: dict[str, Any]) -> dict[str, Any]:
        def fen(name: str) -> int | None:
            return None if d.get(name) is None else to_fen(d[name])

        if kind == OfferKind.THRESHOLD:
            tiers = []
            for i in range(1, TIER_ROWS + 1):
                spend, off = fen(f"tier{i}_spend"), fen(f"tier{i}_off")
                if (spend is None) != (off is None):
                    missing = f"tier{i}_off" if off is None else f"tier{i}_spend"
                    self.add_error(missing, gettext("Fill in both amounts of this tier."))
                elif spend is not None:
                    tiers.append([spend, off])
            return {"tiers": tiers}
        if kind == THRESHOLD_REPEAT:
            return {
                "repeat_every": fen("repeat_every"),
                "repeat_off": fen("repeat_off"),
                "cap": fen("cap"),
            }
        if kind in (OfferKind.MEMBER_PRICE, OfferKind.MEMBER_EXTRA):
            by_tier = {t: d[f"pay_{t}"] for t in MEMBER_TIERS if d.get(f"pay_{t}") is not None}
            return {"pay_percent_by_tier": by_tier}
        simple = {
            OfferKind.AMOUNT_OFF: {"amount": fen("amount"), "min_spend": fen("min_spend")},
            OfferKind.PERCENT_OFF: {
                "pay_percent": d.get("pay_percent"),
                "cap": fen("cap"),
                "min_spend": fen("min_spend"),
            },
            OfferKind.GIFT: {
                "gift_sku_id": d.get("gift_sku"),
                "quantity": d.get("gift_quantity"),
                "min_spend": fen("min_spend"),
            },
            OfferKind.BUY_X_GET_Y: {
                "buy": d.get("buy"),
                "get": d.get("get"),
                "get_pay_percent": d.get("get_pay_percent"),
            },
            OfferKind.FIXED_PRICE: {"price": fen("price"), "sku_prices": d.get("sku_prices")},
            OfferKind.FREE_SHIPPING: {"min_spend": fen("min_spend")},
        }
        return simple[OfferKind(kind)]

    def clean(self) -> dict[str, Any]:
        """Builds `self.params` (fen) for the chosen benefit, or adds field errors."""
        d = super().clean() or {}
        kind = d.get("kind")
        if not kind:
            return d
        for name in KIND_REQUIRED.get(kind, ()):
            if d.get(name) is None and name not in self.errors:
                self.add_error(name, gettext("Required for this benefit."))
        raw = self._build_params(kind, d)
        if self.errors:
            return d
        try:
            self.params = validate_params(
                stored_kind(kind), {k: v for k, v in raw.items() if v not in (None, {}, "")}
            )
        except ValidationFailed as exc:
            self.add_service_error(exc, kind=kind)
        return d

    def add_service_error(self, exc: ValidationFailed, *, kind: str | None = None) -> None:
        """Shows a service's refusal on the field it names (or on top of the form)."""
        fields = exc.extra.get("fields")
        if isinstance(fields, dict):
            for key, message in fields.items():
                name = PARAM_FIELDS.get(key)
                if key == "params" and kind:
                    name = KIND_FIELDS[kind][0]
                self.add_error(name if name in self.fields else None, gettext(str(message)))
            return
        field = {"gift_sku_id": "gift_sku"}.get(exc.extra.get("field", ""), exc.extra.get("field"))
        self.add_error(field if field in self.fields else None, gettext(exc.message))
