"""The store's orders to ship (门店发货): ship-to-home orders routing sent to this store and
endless-aisle orders other stores took for its stock. "Shipped" consumes the held stock. HQ
admins also decide here whether the store ships online orders at all (`orders.routing`)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role, User
from omniloop.accounts.selectors import stores_for_actor
from omniloop.core.errors import ApplicationError, NotFound, PermissionDenied
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.orders.routing import shipping_store_set, store_ships_online
from omniloop.orders.shipping import ship_queue, store_order_ship
from omniloop.stores.models import Store


def _store(request: HttpRequest, actor: Actor, code: str | None) -> Store:
    stores = stores_for_actor(actor=actor)
    store = stores.filter(code=code).first() if code else stores.order_by("code").first()
    if store is None:
        raise NotFound("No such store.", code="store_not_found")
    return store


def _back(actor: Actor, store: Store | None) -> HttpResponse:
    url = redirect("dashboard:shipments")
    if actor.is_hq and store is not None:
        url["Location"] += f"?store={store.code}"
    return url


@staff_view("dashboard:shipments")
def shipments(request: HttpRequest, actor: Actor) -> HttpResponse:
    stores = stores_for_actor(actor=actor)
    store = _store(request, actor, request.GET.get("store"))
    return render(
        request,
        "dashboard/shipments/queue.html",
        {
            "store": store,
            "stores": stores if actor.is_hq else [],
            "orders": list(ship_queue(store_id=store.pk)[:200]),
            "ships_online": store_ships_online(store_id=store.pk),
            "can_route": actor.role == Role.HQ_ADMIN,
        },
    )


@require_POST
@staff_view("dashboard:shipment_ship")
def shipment_ship(request: HttpRequest, actor: Actor, ship_number: str) -> HttpResponse:
    try:
        with transaction.atomic():
            order = store_order_ship(actor=actor, order_number=ship_number)
            audit_change(request, actor, "order.ship", target_type="order", target_id=order.pk)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, _(exc.message))
        return redirect("dashboard:shipments")
    messages.success(request, _("Marked shipped."))
    return _back(actor, order.store)


@require_POST
@staff_view("dashboard:shipping_store_set")
def shipping_store_toggle(request: HttpRequest, actor: Actor) -> HttpResponse:
    if actor.role != Role.HQ_ADMIN:
        raise PermissionDenied("Only HQ admins route orders.", code="role_forbidden")
    store = _store(request, actor, request.POST.get("store"))
    enabled = request.POST.get("enabled") == "1"
    with transaction.atomic():
        changed = shipping_store_set(
            store_id=store.pk, enabled=enabled, by=cast(User, request.user)
        )
        if changed:
            audit_change(
                request,
                actor,
                "routing.ship_from_store",
                target_type="store",
                target_id=store.pk,
                summary=f"enabled={enabled}",
            )
    messages.success(
        request,
        _("This store now ships online orders.")
        if enabled
        else _("This store no longer ships online orders."),
    )
    return _back(actor, store)
