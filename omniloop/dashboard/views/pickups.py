"""The store's pickup queue (自提订单): paid orders to prepare, ready ones waiting for their
member; "Ready" tells the member and starts the hold. Store staff see their own store; HQ picks
a store."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import stores_for_actor
from omniloop.core.errors import ApplicationError, NotFound
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.orders.pickup import pickup_mark_ready, pickup_queue


@staff_view("dashboard:pickups")
def pickups(request: HttpRequest, actor: Actor) -> HttpResponse:
    stores = stores_for_actor(actor=actor)
    code = request.GET.get("store")
    store = stores.filter(code=code).first() if code else stores.order_by("code").first()
    if store is None:
        raise NotFound("No such store.", code="store_not_found")
    return render(
        request,
        "dashboard/pickups/queue.html",
        {
            "store": store,
            "stores": stores if actor.is_hq else [],
            "orders": list(pickup_queue(store_id=store.pk)[:200]),
        },
    )


@require_POST
@staff_view("dashboard:pickup_ready")
def pickup_ready(request: HttpRequest, actor: Actor, number: str) -> HttpResponse:
    try:
        with transaction.atomic():
            order = pickup_mark_ready(actor=actor, order_number=number)
            audit_change(request, actor, "pickup.ready", target_type="order", target_id=order.pk)
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, _(exc.message))
        return redirect("dashboard:pickups")
    messages.success(request, _("Marked ready; the member has been told."))
    url = redirect("dashboard:pickups")
    if actor.is_hq and order.store is not None:
        url["Location"] += f"?store={order.store.code}"
    return url
