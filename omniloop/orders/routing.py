"""Order routing (订单路由) for the malls' ship-to-home orders: warehouse or a store.

The rule is explicit and the same for every order: among the open stores HQ lets ship online
orders (`ShippingStore`) that hold the whole basket now, prefer
1. the store the member is bound to (the store that won them fulfils and shares the sale),
2. else a store in the delivery region's city (the region names it: 上海市 ... holds 上海),
3. else the first by store code;
and when no such store exists, the warehouse ships (flow `online`). A routed order is flow
`ship_from_store`: its stock is held at the store (kind `ship_from_store`) from placement,
kept once paid, consumed when the store ships it (`orders.shipping`) and released if it is
never paid or is cancelled. Settlement splits it between the credited and the fulfilling store
(`settlement.rules`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction

from omniloop.accounts.models import User
from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.inventory.selectors import stores_with_stock
from omniloop.orders.models import ShippingStore
from omniloop.stores.models import Store

KIND = "ship_from_store"


@dataclass(frozen=True)
class Route:
    store: Store
    why: str  # bound_store | region_city | first_by_code


def route_shipment(
    *, sku_quantities: Mapping[int, int], bound_store_id: int | None, region: str
) -> Route | None:
    """The store that ships this basket, or None for the warehouse (see the module)."""
    shipping = set(ShippingStore.objects.values_list("store_id", flat=True))
    if not shipping:
        return None
    able = [s.store for s in stores_with_stock(sku_quantities=sku_quantities)]
    able = [s for s in able if s.pk in shipping]
    if not able:
        return None
    for store in able:
        if store.pk == bound_store_id:
            return Route(store, "bound_store")
    for store in able:
        city = store.city.strip().removesuffix("市")
        if city and city in region:
            return Route(store, "region_city")
    return Route(able[0], "first_by_code")


def shipping_store_set(*, store_id: int, enabled: bool, by: User | None = None) -> bool:
    """Let a store ship online orders, or stop it (orders already routed to it still ship).
    Returns whether anything changed."""
    with transaction.atomic():
        if not Store.objects.filter(pk=store_id).exists():
            raise NotFound("No such store.", code="store_not_found")
        if enabled:
            _, created = ShippingStore.objects.get_or_create(
                store_id=store_id, defaults={"enabled_at": clock.now(), "enabled_by": by}
            )
            return created
        deleted, _ = ShippingStore.objects.filter(store_id=store_id).delete()
        return deleted > 0


def store_ships_online(*, store_id: int) -> bool:
    return ShippingStore.objects.filter(store_id=store_id).exists()
