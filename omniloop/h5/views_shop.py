"""Browsing and the cart (购物车), in either mall (`h5.mall`)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from omniloop.core.errors import ApplicationError
from omniloop.h5.browse import mall_categories, product_browse
from omniloop.h5.cart_session import shopper_add, shopper_items, shopper_set
from omniloop.h5.errors import error_context, error_page
from omniloop.h5.mall import mall_channel_code, mall_of, mall_redirect
from omniloop.h5.prices import h5_prices
from omniloop.h5.quote_view import cart_view
from omniloop.h5.session import session_member
from omniloop.members.models import Member
from omniloop.orders.online import checkout_quote

CartChange = Callable[[HttpRequest, Member | None, str, int], None]


def _quantity(raw: str) -> int:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return -1


@require_safe
def browse(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    query = request.GET.get("q", "")[:50]
    category = request.GET.get("c", "")[:32]
    products = product_browse(query=query, category=category)
    return render(
        request,
        "h5/browse.html",
        {
            "query": query,
            "category": category,
            "categories": list(mall_categories()),
            "products": products,
            "prices": h5_prices(
                products=products, member=member, channel_code=mall_channel_code(request)
            ),
            "member": member,
        },
    )


@require_safe
def cart(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    items = shopper_items(request, member)
    view = None
    error = None
    if items:
        try:
            priced = checkout_quote(
                items=items, mall=mall_of(request), member=member, coupon_codes=[]
            )
            view = cart_view(priced)
        except ApplicationError as exc:
            error = error_context(exc)
    return render(
        request,
        "h5/cart.html",
        {"cart": view, "error": error, "member": member},
    )


def _cart_change(request: HttpRequest, change: CartChange, default: str) -> HttpResponse:
    try:
        change(
            request,
            session_member(request),
            request.POST.get("sku", "")[:48],
            _quantity(request.POST.get("quantity", default)),
        )
    except ApplicationError as exc:
        return error_page(request, exc)
    return mall_redirect(request, "cart")


@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    return _cart_change(request, shopper_add, "1")


@require_POST
def cart_update(request: HttpRequest) -> HttpResponse:
    return _cart_change(request, shopper_set, "")
