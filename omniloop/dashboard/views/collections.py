"""Collections (商品合集): list, create, and edit with the products picked by style code."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

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
from omniloop.catalog.models import Collection
from omniloop.core.errors import ValidationFailed
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_collections import CollectionCreateForm, CollectionEditForm
from omniloop.promotions.offers import offer_list


@staff_view("dashboard:collections")
def collections(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "dashboard/collections/list.html", {"collections": collection_list()})


def _form_page(
    request: HttpRequest,
    form: CollectionCreateForm | CollectionEditForm,
    save: Callable[[], Collection],
    saved_message: str,
    context: dict[str, Any],
) -> HttpResponse:
    """Saves a valid form through `save` and goes to the collection's page; else (or when the
    service refuses, shown on the field it names) the form again."""
    if request.method == "POST" and form.is_valid():
        try:
            collection = save()
        except ValidationFailed as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, saved_message)
            return redirect("dashboard:collection_edit", collection_code=collection.code)
    return render(
        request,
        "dashboard/collections/form.html",
        {"form": form, **context},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:collection_create")
def collection_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CollectionCreateForm(request.POST or None)
    return _form_page(
        request,
        form,
        lambda: collection_create(actor_label=actor.label, **form.collection_fields()),
        _("Collection created."),
        {"collection": None},
    )


@staff_view("dashboard:collection_edit")
def collection_edit(request: HttpRequest, actor: Actor, collection_code: str) -> HttpResponse:
    collection = collection_get(code=collection_code)
    products = collection_products(collection=collection)
    form = CollectionEditForm(request.POST or None, collection=collection, products=products)
    return _form_page(
        request,
        form,
        lambda: collection_update(
            collection_id=collection.pk, actor_label=actor.label, **form.collection_fields()
        ),
        _("Collection saved."),
        {
            "collection": collection,
            "products": products,
            # What an edit here changes: the offers scoped to this collection.
            "offers": offer_list(actor=actor).filter(collections=collection.pk)[:20],
        },
    )
