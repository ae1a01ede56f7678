"""Stock (门店库存): on hand, reserved and available per SKU, and the held reservations with their
expiry. Store staff see their own store only; HQ every store."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import stores_for_actor
from omniloop.dashboard.decorators import staff_view
from omniloop.inventory.selectors import held_reservations, stock_for_store, stock_summary
from omniloop.stores.selectors import store_get

PAGE_SIZE = 50


@staff_view("dashboard:stock")
def stock(request: HttpRequest, actor: Actor) -> HttpResponse:
    if not actor.is_hq:
        return redirect("dashboard:stock_store", code=store_get_own(actor))
    summary = stock_summary(stores=stores_for_actor(actor=actor))
    return render(request, "dashboard/stock/index.html", {"summary": summary})


def store_get_own(actor: Actor) -> str:
    return stores_for_actor(actor=actor).values_list("code", flat=True).get()


@staff_view("dashboard:stock_store")
def store_stock(request: HttpRequest, actor: Actor, code: str) -> HttpResponse:
    store = store_get(code=code)
    q = request.GET.get("q", "").strip()[:64]
    only_reserved = request.GET.get("reserved") == "1"
    levels = stock_for_store(actor=actor, store_id=store.pk, search=q, only_reserved=only_reserved)
    return render(
        request,
        "dashboard/stock/store.html",
        {
            "store": store,
            "page": Paginator(levels, PAGE_SIZE).get_page(request.GET.get("page")),
            "holds": held_reservations(actor=actor, store_id=store.pk)[:200],
            "q": q,
            "only_reserved": only_reserved,
        },
    )
