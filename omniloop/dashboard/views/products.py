from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omniloop.accounts.access import Actor
from omniloop.catalog.selectors import product_channels, product_get, product_list
from omniloop.dashboard.decorators import staff_view


@staff_view("dashboard:products")
def products(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    qs = product_list()
    if query:
        qs = qs.filter(
            Q(style_code__istartswith=query)
            | Q(name__icontains=query)
            | Q(name_en__icontains=query)
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/products/list.html", {"page": page, "query": query})


@staff_view("dashboard:product_detail")
def product_detail(request: HttpRequest, actor: Actor, style_code: str) -> HttpResponse:
    product = product_get(style_code=style_code)
    return render(
        request,
        "dashboard/products/detail.html",
        {
            "product": product,
            "channels": product_channels(product=product),
        },
    )
