"""The offer form: the benefit (`forms_offer_benefit.BenefitForm`), then scope, window and
stacking, laid out in sections. The services check everything again on save; their refusals
come back onto the field they name (`add_service_error`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Category, Collection, Product, Sku
from omniloop.dashboard.forms import show_when, style_codes_to_ids
from omniloop.dashboard.forms_offer_benefit import BENEFIT_ORDER, BenefitForm
from omniloop.dashboard.offer_kinds import (
    MEMBER_TIERS,
    TIER_LABELS,
    form_kind,
    initial_from_params,
    stored_kind,
)
from omniloop.insights.selectors import segment_list
from omniloop.promotions.models import Offer
from omniloop.promotions.offer_spec import SCOPE_EMPTY
from omniloop.promotions.offers import offer_spec
from omniloop.stores.models import SalesChannel, Store

WEEKDAYS = [
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
]


def localized(obj: Any) -> str:
    english = getattr(obj, "name_en", "") if (get_language() or "").startswith("en") else ""
    return str(english or obj.name)


class LocalizedMultiple(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj: Any) -> str:
        return localized(obj)


class CollectionMultiple(LocalizedMultiple):
    def label_from_instance(self, obj: Any) -> str:
        name = localized(obj)
        return name if obj.active else gettext("%(name)s (not shown)") % {"name": name}


class OfferForm(BenefitForm):
    SECTIONS = [
        (_("Offer"), ["name", "description", "kind"]),
        (_("Benefit"), None),  # the fields of KIND_FIELDS, in that order
        (
            _("What it applies to"),
            [
                "all_products",
                "categories",
                "collections",
                "products",
                "channels",
                "stores",
                "tiers",
                "segments",
                "requires_member",
            ],
        ),
        (_("When"), ["starts_at", "ends_at", "weekdays", "daily_start", "daily_end"]),
        (
            _("Combining with other offers"),
            ["priority", "stacking_group", "exclusive", "compound", "max_discount", "coupon_only"],
        ),
    ]

    name = forms.CharField(max_length=100, label=_("Name"))
    description = forms.CharField(
        max_length=300, required=False, label=_("Note"), help_text=_("For staff; optional.")
    )
    # Scope
    all_products = forms.BooleanField(required=False, label=_("All products (sitewide)"))
    categories = LocalizedMultiple(
        queryset=Category.objects.none(),
        required=False,
        label=_("Categories"),
        widget=show_when("all_products", "", widget=forms.CheckboxSelectMultiple),
    )
    collections = CollectionMultiple(
        queryset=Collection.objects.none(),
        required=False,
        label=_("Collections"),
        help_text=_("A product in any ticked category or collection, or listed below, is in."),
        widget=show_when("all_products", "", widget=forms.CheckboxSelectMultiple),
    )
    products = forms.CharField(
        required=False,
        label=_("Products (style codes)"),
        help_text=_("Separate with spaces, commas or new lines."),
        widget=forms.Textarea(attrs={"rows": 2, "data-show-when": "all_products="}),
    )
    channels = forms.MultipleChoiceField(
        required=False,
        label=_("Sales channels"),
        help_text=_("None ticked: every channel."),
        widget=forms.CheckboxSelectMultiple,
    )
    stores = LocalizedMultiple(
        queryset=Store.objects.none(),
        required=False,
        label=_("Stores"),
        help_text=_("None ticked: every store and online."),
    )
    tiers = forms.MultipleChoiceField(
        required=False,
        label=_("Member tiers"),
        help_text=_("None ticked: everyone, members or not."),
        choices=[(t, TIER_LABELS[t]) for t in MEMBER_TIERS],
        widget=forms.CheckboxSelectMultiple,
    )
    segments = forms.MultipleChoiceField(
        required=False,
        label=_("Segments"),
        help_text=_(
            "None ticked: everyone. Ticked: members in any of them (as last materialised)."
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    requires_member = forms.BooleanField(required=False, label=_("Members only"))
    # Window
    starts_at = forms.DateTimeField(
        required=False,
        label=_("Starts"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        required=False,
        label=_("Ends"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    weekdays = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        choices=WEEKDAYS,
        label=_("Days of the week"),
        help_text=_("None ticked: every day."),
        widget=forms.CheckboxSelectMultiple,
    )
    daily_start = forms.TimeField(
        required=False,
        label=_("Daily from"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Days and hours are in each store's local time."),
    )
    daily_end = forms.TimeField(
        required=False,
        label=_("Daily until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    # Stacking
    priority = forms.IntegerField(
        min_value=0,
        max_value=1_000_000,
        initial=100,
        label=_("Priority"),
        help_text=_("Lower numbers apply first."),
    )
    stacking_group = forms.CharField(
        max_length=32,
        required=False,
        label=_("Stacking group"),
        help_text=_("Of the offers in one group only the best one applies."),
        widget=forms.TextInput(attrs={"list": "stacking-groups"}),
    )
    exclusive = forms.BooleanField(
        required=False, label=_("Exclusive: never combined with other offers")
    )
    compound = forms.TypedChoiceField(
        coerce=lambda v: v == "1",
        choices=[
            ("0", _("On the list price")),
            ("1", _("On the price after earlier offers")),
        ],
        initial="0",
        label=_("Computed"),
        widget=forms.RadioSelect,
    )
    max_discount = forms.DecimalField(
        required=False,
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        label=_("At most per order (¥)"),
        help_text=_("Leave empty for no cap."),
    )
    coupon_only = forms.BooleanField(
        required=False,
        label=_("Only with a coupon"),
        help_text=_("Coupon templates point at offers like this one."),
    )

    def __init__(self, *args: Any, offer: Offer | None = None, **kwargs: Any) -> None:
        if offer is not None and "initial" not in kwargs:
            kwargs["initial"] = self._initial(offer)
        super().__init__(*args, **kwargs)
        self.fields["categories"].queryset = Category.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["collections"].queryset = Collection.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["stores"].queryset = Store.objects.order_by("code")  # type: ignore[attr-defined]
        self.fields["channels"].choices = [  # type: ignore[attr-defined]
            (c.code, localized(c)) for c in SalesChannel.objects.order_by("code")
        ]
        self.fields["segments"].choices = [  # type: ignore[attr-defined]
            (s.slug, localized(s)) for s in segment_list()
        ]

    @staticmethod
    def _initial(offer: Offer) -> dict[str, Any]:
        spec = offer_spec(offer=offer)
        sku_ids = [int(k) for k in offer.params.get("sku_prices", {})]
        if "gift_sku_id" in offer.params:
            sku_ids.append(int(offer.params["gift_sku_id"]))
        codes = dict(Sku.objects.filter(pk__in=sku_ids).values_list("pk", "sku_code"))
        tz_aware = {k: getattr(spec, k) for k in ("starts_at", "ends_at")}
        return {
            "name": spec.name,
            "description": spec.description,
            "kind": form_kind(offer),
            **initial_from_params(offer, codes),
            "all_products": spec.all_products,
            "categories": list(spec.categories),
            "collections": list(spec.collections),
            "products": " ".join(
                Product.objects.filter(pk__in=spec.products)
                .order_by("style_code")
                .values_list("style_code", flat=True)
            ),
            "channels": list(spec.channels),
            "stores": list(spec.stores),
            "tiers": list(spec.tiers),
            "segments": list(spec.segments),
            "requires_member": spec.requires_member,
            **tz_aware,
            "weekdays": list(spec.weekdays),
            "daily_start": spec.daily_start,
            "daily_end": spec.daily_end,
            "priority": spec.priority,
            "stacking_group": spec.stacking_group,
            "exclusive": spec.exclusive,
            "compound": "1" if spec.compound else "0",
            "max_discount": spec.max_discount,
            "coupon_only": spec.coupon_only,
        }

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names or BENEFIT_ORDER])
            for title, names in self.SECTIONS
        ]

    def clean_products(self) -> list[int]:
        return sorted(style_codes_to_ids(self.cleaned_data.get("products") or ""))

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        starts, ends = d.get("starts_at"), d.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", gettext("The offer must end after it starts."))
        start, end = d.get("daily_start"), d.get("daily_end")
        if start and end and start >= end:
            self.add_error("daily_end", gettext("Daily hours must end after they start."))
        scope = ("products", "categories", "collections")
        if not d.get("all_products") and not any(d.get(name) for name in scope):
            self.add_error("products", gettext(SCOPE_EMPTY))
        return d

    def offer_fields(self) -> dict[str, Any]:
        """The keyword arguments of `offer_create` / `offer_update`."""
        d = self.cleaned_data
        return {
            "name": d["name"],
            "description": d["description"],
            "kind": stored_kind(d["kind"]),
            "params": self.params,
            "all_products": d["all_products"],
            "categories": [c.pk for c in d["categories"]],
            "collections": [c.pk for c in d["collections"]],
            "products": d["products"],
            "channels": d["channels"],
            "stores": [s.pk for s in d["stores"]],
            "tiers": d["tiers"],
            "segments": d["segments"],
            "requires_member": d["requires_member"],
            "starts_at": d["starts_at"],
            "ends_at": d["ends_at"],
            "weekdays": d["weekdays"],
            "daily_start": d["daily_start"],
            "daily_end": d["daily_end"],
            "priority": d["priority"],
            "stacking_group": d["stacking_group"],
            "exclusive": d["exclusive"],
            "compound": d["compound"],
            "max_discount": d["max_discount"],
            "coupon_only": d["coupon_only"],
        }
