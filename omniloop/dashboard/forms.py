"""Dashboard forms. Choice querysets come from the scoped selectors, so a store manager's form
cannot even offer another store; the services check again."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.accounts.selectors import (
    staff_code_taken,
    stores_for_actor,
    username_taken,
)
from omniloop.catalog.selectors import product_ids_by_style_code
from omniloop.dashboard.labels import choices, label_for
from omniloop.stores.models import Store, validate_timezone

COMMON_TIMEZONES = [
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Singapore",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
]


def show_when(field: str, *values: str, widget: type[forms.Widget] = forms.Select) -> forms.Widget:
    """A widget that dashboard.js hides unless `field` has one of `values` (the server ignores
    such a field anyway; hiding it only keeps the form short)."""
    return widget(attrs={"data-show-when": f"{field}={','.join(values)}"})


class DashChoiceField(forms.ModelChoiceField):
    """A model choice whose empty option reads as a dash, not Django's row of hyphens."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "—")
        super().__init__(*args, **kwargs)


class StoreChoiceField(DashChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} · {obj.name}"


class StaffChoiceField(DashChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        code = f" ({obj.staff_code})" if obj.staff_code else ""
        return f"{obj.display_name or obj.username}{code} · {obj.store.code if obj.store else ''}"


class StoreForm(forms.ModelForm):
    class Meta:
        model = Store
        fields = [
            "code",
            "name",
            "name_en",
            "city",
            "address",
            "latitude",
            "longitude",
            "type",
            "timezone",
            "opened_on",
            "status",
        ]
        labels = {
            "code": _("Store code"),
            "name": _("Name"),
            "name_en": _("English name"),
            "city": _("City"),
            "address": _("Address"),
            "latitude": _("Latitude"),
            "longitude": _("Longitude"),
            "type": _("Type"),
            "timezone": _("Time zone"),
            "opened_on": _("Opened on"),
            "status": _("Status"),
        }
        widgets = {
            "opened_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "timezone": forms.TextInput(attrs={"list": "timezones"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = choices("store_type")  # type: ignore[attr-defined]
        self.fields["status"].choices = choices("store_status")  # type: ignore[attr-defined]
        if self.instance.pk:
            # The code is in URLs and on printed QR sheets; it does not change once issued.
            self.fields["code"].disabled = True

    def clean_timezone(self) -> str:
        value = self.cleaned_data["timezone"].strip()
        try:
            validate_timezone(value)
        except forms.ValidationError as exc:
            raise forms.ValidationError(
                _("Enter an IANA time zone such as Asia/Shanghai."), code="timezone"
            ) from exc
        return value


class StaffCreateForm(forms.Form):
    username = forms.RegexField(
        regex=r"^[\w.@+-]{3,150}$",
        max_length=150,
        label=_("Username"),
        error_messages={"invalid": _("3 to 150 letters, digits or @ . + - _ characters.")},
    )
    display_name = forms.CharField(max_length=100, required=False, label=_("Display name"))
    role = forms.ChoiceField(label=_("Role"))
    store = StoreChoiceField(
        queryset=Store.objects.none(),
        required=False,
        label=_("Store"),
        widget=show_when("role", "store_manager", "assistant"),
    )
    staff_code = forms.CharField(
        max_length=32,
        required=False,
        label=_("Staff code"),
        widget=show_when("role", "assistant", widget=forms.TextInput),
        help_text=_("Printed on an assistant's card; required for shop assistants."),
    )
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False), label=_("Initial password")
    )

    def __init__(self, *args: Any, actor: Actor, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        stores = stores_for_actor(actor=actor)
        self.fields["store"].queryset = stores  # type: ignore[attr-defined]
        if actor.role == Role.HQ_ADMIN:
            self.fields["role"].choices = choices("role")  # type: ignore[attr-defined]
        else:
            # A store manager hires shop assistants for their own store, nothing else.
            self.fields["role"].choices = [  # type: ignore[attr-defined]
                (Role.ASSISTANT.value, label_for("role", Role.ASSISTANT.value))
            ]
            self.fields["store"].required = True
            self.fields["store"].empty_label = None  # type: ignore[attr-defined]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if username_taken(username=username):
            raise forms.ValidationError(_("This username is taken."), code="username_taken")
        return username

    def clean_staff_code(self) -> str:
        code = self.cleaned_data["staff_code"].strip()
        if code and staff_code_taken(staff_code=code):
            raise forms.ValidationError(_("This staff code is taken."), code="staff_code_taken")
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, store = data.get("role"), data.get("store")
        if role in (Role.STORE_MANAGER, Role.ASSISTANT) and store is None:
            self.add_error("store", _("Store staff need a store."))
        if role == Role.ASSISTANT and not data.get("staff_code"):
            self.add_error("staff_code", _("Shop assistants need a staff code."))
        password = data.get("password")
        if password:
            try:
                validate_password(password)
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


_CODES_SPLIT = re.compile(r"[\s,，、;；]+")


def style_codes_to_ids(text: str) -> list[int]:
    """Product ids for the style codes typed into a form (spaces, commas or new lines between),
    in the order typed, without repeats; unknown codes are a form error naming them."""
    codes = list(dict.fromkeys(c for c in _CODES_SPLIT.split(text or "") if c))
    found = product_ids_by_style_code(codes=codes)
    missing = [c for c in codes if c not in found]
    if missing:
        raise forms.ValidationError(
            gettext("Unknown style codes: %(codes)s") % {"codes": ", ".join(missing[:10])}
        )
    return [found[c] for c in codes]
