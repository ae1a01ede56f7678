from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.selectors import stores_for_actor
from omniloop.core.errors import NotFound
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_touchpoints import TouchpointForm
from omniloop.dashboard.labels import choices
from omniloop.stores.selectors import store_get
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.qr import qr_png, qr_svg, scan_url
from omniloop.touchpoints.selectors import (
    products_without_tag,
    touchpoint_get,
    touchpoint_list,
    touchpoint_list_with_scans,
)
from omniloop.touchpoints.services import touchpoint_create


@staff_view("dashboard:touchpoints")
def touchpoints(request: HttpRequest, actor: Actor) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in Touchpoint.Kind.values else ""
    store_code = request.GET.get("store", "")
    stores = stores_for_actor(actor=actor)
    store = next((s for s in stores if s.code == store_code), None)
    qs = touchpoint_list_with_scans(
        actor=actor, store_id=store.pk if store else None, kind=kind or None
    )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/touchpoints/list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": choices("touchpoint_kind"),
            "stores": stores,
            "store": store,
        },
    )


@staff_view("dashboard:touchpoint_create")
def touchpoint_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TouchpointForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = data["store"]
        if not actor.is_hq:
            access_store(actor, store.pk if store else None)
        touchpoint_create(
            kind=data["kind"],
            store_id=store.pk if store else None,
            assistant_id=data["assistant"].pk if data["assistant"] else None,
            product_id=data["product"].pk if data["product"] else None,
            label=data["label"],
        )
        messages.success(request, _("Touchpoint created."))
        return redirect("dashboard:touchpoints")
    return render(
        request,
        "dashboard/touchpoints/form.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:touchpoint_qr")
def touchpoint_qr(request: HttpRequest, actor: Actor, touchpoint_id: int, fmt: str) -> HttpResponse:
    tp = touchpoint_get(actor=actor, touchpoint_id=touchpoint_id)
    url = scan_url(tp.scene)
    if fmt == "png":
        response = HttpResponse(qr_png(url), content_type="image/png")
    elif fmt == "svg":
        response = HttpResponse(
            qr_svg(url, title=tp.label or tp.scene), content_type="image/svg+xml"
        )
    else:
        raise NotFound("Not found.", code="not_found")
    response["Content-Disposition"] = f'attachment; filename="qr-{tp.scene}.{fmt}"'
    return response


@staff_view("dashboard:store_tag_sheet")
def store_tag_sheet(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    store = store_get(code=code)
    access_store(actor, store.pk)
    tags = (
        touchpoint_list(actor=actor, store_id=store.pk, kind=Touchpoint.Kind.PRODUCT_TAG)
        .filter(active=True)
        .order_by("product__style_code")
    )
    cards = [
        {"tp": tp, "svg": mark_safe(qr_svg(scan_url(tp.scene), scale=3))}  # noqa: S308
        for tp in tags
    ]
    return render(
        request,
        "dashboard/touchpoints/tag_sheet.html",
        {
            "store": store,
            "cards": cards,
            "missing": products_without_tag(store_id=store.pk).count(),
        },
    )


@require_POST
@staff_view("dashboard:store_tags_create")
def store_tags_create(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    store = store_get(code=code)
    access_store(actor, store.pk)
    with transaction.atomic():
        missing = list(products_without_tag(store_id=store.pk))
        for product in missing:
            touchpoint_create(
                kind=Touchpoint.Kind.PRODUCT_TAG,
                store_id=store.pk,
                product_id=product.pk,
                label=product.name,
            )
    messages.success(request, _("%(count)d product tags created.") % {"count": len(missing)})
    return redirect("dashboard:store_tag_sheet", code=store.code)
