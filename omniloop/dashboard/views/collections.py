"""Collections (商品合集): list, create, and edit with the products picked by style code."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor
from omniloop.catalog.collection_selectors import (
    collection_get,
    collection_list,
    collection_products,
)
from omniloop.catalog.collection_services import collection_create, collection_update
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_collections import CollectionCreateForm, CollectionEditForm
from omniloop.promotions.offers import offer_list


@staff_view("dashboard:collections")
def collections(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "dashboard/collections/list.html", {"collections": collection_list()})


@staff_view("dashboard:collection_create")
def collection_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CollectionCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            collection = collection_create(actor_label=actor.label, **form.collection_fields())
        except ValidationFailed as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Collection created."))
            return redirect("dashboard:collection_edit", collection_code=collection.code)
    return render(
        request,
        "dashboard/collections/form.html",
        {"form": form, "collection": None},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:collection_edit")
def collection_edit(request: HttpRequest, actor: Actor, collection_code: str) -> HttpResponse:
    collection = collection_get(code=collection_code)
    products = collection_products(collection=collection)
    form = CollectionEditForm(request.POST or None, collection=collection, products=products)
    if request.method == "POST" and form.is_valid():
        try:
            collection_update(
                collection_id=collection.pk, actor_label=actor.label, **form.collection_fields()
            )
        except ValidationFailed as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, _("Collection saved."))
            return redirect("dashboard:collection_edit", collection_code=collection.code)
    return render(
        request,
        "dashboard/collections/form.html",
        {
            "form": form,
            "collection": collection,
            "products": products,
            # What an edit here changes: the offers scoped to this collection.
            "offers": offer_list(actor=actor).filter(collections=collection.pk)[:20],
        },
        status=422 if form.is_bound and form.errors else 200,
    )
