"""Collection forms: create one with its first products, and edit one. Editing adds and removes
products (deltas) rather than sending the whole list back, so two people editing a collection
at once both keep their changes; the services check everything again."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from omniloop.catalog.models import Collection, Product
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.forms import style_codes_to_ids

# Messages the collection services raise, shown with `gettext(exc.message)`; listed so
# makemessages extracts them.
SERVICE_MESSAGES = [
    gettext_noop("Use up to 32 lower-case letters, digits and hyphens."),
    gettext_noop("Another collection has this code."),
    gettext_noop("Give the collection a name."),
    gettext_noop("This text is too long."),
    gettext_noop("List products by id."),
    gettext_noop("A listed product does not exist."),
    gettext_noop("A collection holds at most 500 products."),
    gettext_noop("Unknown collection field."),
    gettext_noop("Collection not found."),
]

CODES_HELP = _("Style codes, separated with spaces, commas or new lines; shown in this order.")


class _CollectionFields(forms.Form):
    name = forms.CharField(max_length=50, label=_("Name"))
    name_en = forms.CharField(max_length=50, required=False, label=_("English name"))
    description = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Shown to shoppers"),
        help_text=_("Offers on a collection apply to its products either way."),
    )

    def add_service_error(self, exc: ValidationFailed) -> None:
        """Shows a service's refusal on the field it names (or on top of the form)."""
        field = exc.extra.get("field")
        if field == "products" and field not in self.fields:
            field = "add_products"  # a full collection, while editing
        self.add_error(field if field in self.fields else None, gettext(exc.message))

    def text_fields(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {k: d[k] for k in ("name", "name_en", "description", "active")}


class CollectionCreateForm(_CollectionFields):
    code = forms.SlugField(
        max_length=32,
        label=_("Code"),
        help_text=_("Lower-case letters, digits and hyphens; used in links, never changed."),
    )
    products = forms.CharField(
        required=False,
        label=_("Products"),
        help_text=CODES_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = ["code", "name", "name_en", "description", "active", "products"]

    def clean_products(self) -> list[int]:
        return style_codes_to_ids(self.cleaned_data.get("products") or "")

    def collection_fields(self) -> dict[str, Any]:
        """The keyword arguments of `collection_create`."""
        return {
            "code": self.cleaned_data["code"],
            "products": self.cleaned_data["products"],
            **self.text_fields(),
        }


class CollectionEditForm(_CollectionFields):
    add_products = forms.CharField(
        required=False,
        label=_("Add products"),
        help_text=_("Style codes; added at the end, in this order."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    remove_products = forms.TypedMultipleChoiceField(
        required=False, coerce=int, label=_("Remove"), widget=forms.CheckboxSelectMultiple
    )

    def __init__(
        self, *args: Any, collection: Collection, products: list[Product], **kwargs: Any
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": collection.name,
                "name_en": collection.name_en,
                "description": collection.description,
                "active": collection.active,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["remove_products"].choices = [  # type: ignore[attr-defined]
            (p.pk, p.style_code) for p in products
        ]

    def clean_add_products(self) -> list[int]:
        return style_codes_to_ids(self.cleaned_data.get("add_products") or "")

    def collection_fields(self) -> dict[str, Any]:
        """The keyword arguments of `collection_update`."""
        return {
            "add_products": self.cleaned_data["add_products"],
            "remove_products": self.cleaned_data["remove_products"],
            **self.text_fields(),
        }
