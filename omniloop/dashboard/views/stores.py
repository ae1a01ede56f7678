from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.selectors import staff_list, stores_for_actor
from omniloop.dashboard.access_map import role_may_open
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms import COMMON_TIMEZONES, StoreForm
from omniloop.stores.selectors import store_get
from omniloop.touchpoints.selectors import touchpoint_list_with_scans


@staff_view("dashboard:stores")
def stores(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "dashboard/stores/list.html", {"stores": stores_for_actor(actor=actor)})


@staff_view("dashboard:store_detail")
def store_detail(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    store = store_get(code=code)
    access_store(actor, store.pk)
    return render(
        request,
        "dashboard/stores/detail.html",
        {
            "store": store,
            "staff": staff_list(actor=actor).filter(store_id=store.pk),
            "touchpoints": touchpoint_list_with_scans(actor=actor, store_id=store.pk)
            if role_may_open(actor.role, "dashboard:touchpoints")
            else [],
        },
    )


def _store_form(request: HttpRequest, form: StoreForm, *, creating: bool) -> HttpResponse:
    return render(
        request,
        "dashboard/stores/form.html",
        {"form": form, "creating": creating, "timezones": COMMON_TIMEZONES},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:store_create")
def store_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = StoreForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        store = form.save()
        messages.success(request, _("Store created."))
        return redirect("dashboard:store_detail", code=store.code)
    return _store_form(request, form, creating=True)


@staff_view("dashboard:store_edit")
def store_edit(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    store = store_get(code=code)
    access_store(actor, store.pk)
    form = StoreForm(request.POST or None, instance=store)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Store saved."))
        return redirect("dashboard:store_detail", code=store.code)
    return _store_form(request, form, creating=False)
