"""The pages a shopper reaches by scanning: the scan landing, home, store and product."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_safe

from omniloop.catalog.selectors import product_get
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError
from omniloop.h5.errors import error_page
from omniloop.h5.mall import mall_channel_code
from omniloop.h5.prices import h5_prices
from omniloop.h5.selectors import (
    featured_products,
    outfit_items,
    product_variants,
    scene_assistant,
    scene_destination,
    sku_choices,
)
from omniloop.h5.session import (
    SCENE_AT_KEY,
    SCENE_KEY,
    session_member,
    set_visitor_cookie,
    visitor_key,
)
from omniloop.onboarding.services import scan_visit
from omniloop.stores.selectors import store_get
from omniloop.touchpoints.services import visitor_get_or_create, visitor_link


@require_GET
def scan(request: HttpRequest, scene: str) -> HttpResponse:
    member = session_member(request)
    try:
        # One transaction, so a bad code leaves no trace: no scan, no orphan visitor row.
        with transaction.atomic():
            visitor = visitor_get_or_create(key=visitor_key(request))
            if member is not None and visitor.member_id is None:
                visitor_link(visitor=visitor, member=member)
            ctx = scan_visit(
                scene=scene, visitor=visitor, user_agent=request.META.get("HTTP_USER_AGENT", "")
            )
    except ApplicationError as exc:
        return error_page(request, exc)
    request.session[SCENE_KEY] = ctx.scene
    request.session[SCENE_AT_KEY] = clock.now().isoformat()
    response = redirect(scene_destination(ctx=ctx))
    set_visitor_cookie(response, visitor)
    return response


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    products = list(featured_products(limit=6))
    return render(
        request,
        "h5/home.html",
        {
            "brand": brand_settings(),
            "products": products,
            "prices": h5_prices(
                products=products, member=member, channel_code=mall_channel_code(request)
            ),
            "member": member,
        },
    )


@require_safe
def store(request: HttpRequest, code: str) -> HttpResponse:
    try:
        shop = store_get(code=code)
    except ApplicationError as exc:
        return error_page(request, exc)
    member = session_member(request)
    products = list(featured_products(limit=4))
    return render(
        request,
        "h5/store.html",
        {
            "store": shop,
            "assistant": scene_assistant(scene=request.session.get(SCENE_KEY), store_id=shop.pk),
            "products": products,
            "prices": h5_prices(
                products=products, member=member, channel_code=mall_channel_code(request)
            ),
            "member": member,
        },
    )


@require_safe
def product(request: HttpRequest, style_code: str) -> HttpResponse:
    try:
        item = product_get(style_code=style_code)
    except ApplicationError as exc:
        return error_page(request, exc)
    member = session_member(request)
    outfit = outfit_items(product=item)
    return render(
        request,
        "h5/product.html",
        {
            "product": item,
            "photos": list(item.photos.all()),
            "variants": product_variants(product=item),
            "outfit": outfit,
            # The product and its outfit in one pass over the engine, for this shopper.
            "prices": h5_prices(
                products=[item, *outfit], member=member, channel_code=mall_channel_code(request)
            ),
            "skus": sku_choices(product=item),
            "member": member,
        },
    )
