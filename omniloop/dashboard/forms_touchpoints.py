from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from omniloop.accounts.access import Actor
from omniloop.accounts.models import HQ_ROLES, User
from omniloop.accounts.scopes import SCOPES, caller_of, scopes_for
from omniloop.accounts.selectors import assistants_for_actor, stores_for_actor
from omniloop.catalog.models import Product
from omniloop.catalog.selectors import product_list
from omniloop.dashboard.forms import (
    DashChoiceField,
    StaffChoiceField,
    StoreChoiceField,
    show_when,
)
from omniloop.dashboard.labels import choices
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.selectors import assistant_card, product_tag_exists


class ProductChoiceField(DashChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.style_code} · {obj.name}"


class TouchpointForm(forms.Form):
    kind = forms.ChoiceField(choices=choices("touchpoint_kind"), label=_("Kind"))
    store = StoreChoiceField(queryset=Store.objects.none(), required=False, label=_("Store"))
    assistant = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Shop assistant"),
        widget=show_when("kind", "assistant_card"),
    )
    product = ProductChoiceField(
        queryset=Product.objects.none(),
        required=False,
        label=_("Product"),
        widget=show_when("kind", "product_tag"),
    )
    label = forms.CharField(max_length=100, required=False, label=_("Label"))

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        self.fields["store"].queryset = stores_for_actor(actor=actor)  # type: ignore[attr-defined]
        self.fields["assistant"].queryset = (  # type: ignore[attr-defined]
            assistants_for_actor(actor=actor).select_related("store")
        )
        self.fields["product"].queryset = (  # type: ignore[attr-defined]
            product_list().filter(status=Product.Status.ACTIVE)
        )
        if actor.role not in HQ_ROLES:
            self.fields["store"].required = True
            self.fields["store"].empty_label = None  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        store, assistant, product = data.get("store"), data.get("assistant"), data.get("product")
        if kind in (Touchpoint.Kind.STORE_COUNTER, Touchpoint.Kind.ASSISTANT_CARD) and not store:
            self.add_error("store", _("This touchpoint needs a store."))
        if kind == Touchpoint.Kind.ASSISTANT_CARD:
            if assistant is None:
                self.add_error("assistant", _("An assistant card needs an assistant."))
            elif store is not None and assistant.store_id != store.pk:
                self.add_error("assistant", _("The assistant is not on that store's staff."))
            elif assistant_card(assistant_id=assistant.pk) is not None:
                self.add_error("assistant", _("This assistant already has a card."))
        if kind == Touchpoint.Kind.PRODUCT_TAG:
            if product is None:
                self.add_error("product", _("A product tag needs a product."))
            elif product_tag_exists(store_id=store.pk if store else None, product_id=product.pk):
                self.add_error("product", _("This product already has a tag for that store."))
        # Fields that do not belong to the kind are dropped, not stored by accident.
        if kind != Touchpoint.Kind.ASSISTANT_CARD:
            data["assistant"] = None
        if kind != Touchpoint.Kind.PRODUCT_TAG:
            data["product"] = None
        return data


class TokenCreateForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"))
    kind = forms.ChoiceField(
        choices=choices("token_kind"), label=_("Kind"), widget=forms.RadioSelect
    )
    store = StoreChoiceField(
        queryset=Store.objects.all(),
        required=False,
        label=_("Store (till tokens)"),
        widget=show_when("kind", "till"),
    )
    role = forms.ChoiceField(
        required=False,
        label=_("Role (integration tokens)"),
        widget=show_when("kind", "integration"),
        choices=[("", "---------")] + [c for c in choices("role") if c[0] in HQ_ROLES],
    )
    expires_on = forms.DateField(
        required=False,
        label=_("Expires on"),
        help_text=_("Empty: a year from today. At most three years."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scopes = forms.MultipleChoiceField(
        required=False,
        label=_("Scopes"),
        help_text=_("What this token may do; those its kind or role cannot hold are left out."),
        choices=[(s.name, f"{s.name} · {s.description}") for s in SCOPES.values()],
        initial=list(SCOPES),
        widget=forms.CheckboxSelectMultiple,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == "till" and not data.get("store"):
            self.add_error("store", _("A till token needs a store."))
        if data.get("kind") == "integration" and not data.get("role"):
            self.add_error("role", _("An integration token needs an HQ role."))
        expires_on = data.get("expires_on")
        today = timezone.localdate()
        if expires_on and not today < expires_on <= today + timedelta(days=3 * 365):
            self.add_error("expires_on", _("Choose a day after today, at most three years on."))
        # The form marks that it offered the boxes: none ticked is no scope, not the default.
        if "scopes_offered" in self.data and data.get("kind") in ("till", "integration"):
            caller = caller_of(kind=data["kind"], role=data.get("role") or "")
            held = [name for name in scopes_for(caller) if name in data.get("scopes", [])]
            if not held:
                self.add_error("scopes", _("Tick at least one scope this token can hold."))
            data["scopes"] = held
        else:
            data["scopes"] = None
        return data
