from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from omniloop.accounts.access import Actor
from omniloop.core.brand import brand_settings, brand_settings_update
from omniloop.core.models import BrandSettings
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view


class BrandSettingsForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Brand name"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=100, required=False)
    welcome_points = forms.IntegerField(
        label=gettext_lazy("Welcome points"),
        min_value=0,
        max_value=100_000,
        help_text=gettext_lazy("Given once when a shopper joins."),
    )
    binding_mode = forms.ChoiceField(
        label=gettext_lazy("Binding rule"),
        choices=[
            (
                BrandSettings.BindingMode.TAKEOVER_AFTER_PROTECTION.value,
                gettext_lazy(
                    "First touch binds; after the protection period a later touch elsewhere "
                    "takes over"
                ),
            ),
            (
                BrandSettings.BindingMode.FIRST_TOUCH.value,
                gettext_lazy("First touch binds for good; only staff re-bind"),
            ),
        ],
    )
    protection_days = forms.IntegerField(
        label=gettext_lazy("Protection period (days)"),
        min_value=0,
        max_value=3650,
        help_text=gettext_lazy("Nobody else can take a member over during this period."),
    )


@staff_view("dashboard:brand_settings")
def brand_settings_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    current = brand_settings()
    initial = {
        "name": current.name,
        "name_en": current.name_en,
        "welcome_points": current.welcome_points,
        "binding_mode": current.binding_mode,
        "protection_days": current.protection_days,
    }
    form = BrandSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        changed = sorted(k for k, v in form.cleaned_data.items() if initial.get(k) != v)
        with transaction.atomic():
            saved = brand_settings_update(**form.cleaned_data)
            audit_change(
                request,
                actor,
                "brand.settings_update",
                target_type="brand_settings",
                target_id=saved.pk,
                summary="changed: " + (", ".join(changed) or "nothing"),
            )
        messages.success(request, _("Brand settings saved."))
        return redirect("dashboard:brand_settings")
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "dashboard/brand_settings.html", {"form": form}, status=status)
