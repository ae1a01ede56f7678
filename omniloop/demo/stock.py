"""Demo stock (门店库存): every open store holds most SKUs, a few units each (flagships more,
some sizes sold out), and a handful of pickups are held so the stock page shows reservations.
Flagships ship online orders (ship from store, ADR 38), so a mall order can be routed to one.
Drawn from its own RNG, so adding stock never changes what the other steps generate."""

from __future__ import annotations

import random
from datetime import timedelta

from omniloop.demo.context import Demo
from omniloop.inventory.bulk import stock_seed
from omniloop.inventory.models import ReservationKind
from omniloop.inventory.services import ReserveLine, stock_reserve
from omniloop.orders.routing import shipping_store_set
from omniloop.stores.models import Store

HELD_PICKUPS = 6


def build_stock(demo: Demo) -> None:
    rng = random.Random(f"stock:{demo.seed}")
    stores = demo.open_stores()
    skus = [sku for product in demo.products for sku in demo.skus.get(product.pk, [])]
    counts = []
    for store in stores:
        deep = 2 if store.type == Store.Type.FLAGSHIP else 1
        for sku in skus:
            if rng.random() < 0.12:
                continue  # never stocked here
            on_hand = 0 if rng.random() < 0.15 else rng.randint(1, 6) * deep
            counts.append((store.pk, sku.pk, on_hand))
    stock_seed(counts=counts, at=demo.now)
    stocked = [(s, k) for s, k, q in counts if q >= 2]
    for n in range(min(HELD_PICKUPS, len(stocked))):
        store_id, sku_id = stocked[rng.randrange(len(stocked))]
        stock_reserve(
            store_id=store_id,
            lines=[ReserveLine(sku_id=sku_id, quantity=1)],
            kind=ReservationKind.PICKUP,
            reference=f"DEMO-PU-{n + 1:04d}",
            expires_at=demo.now + timedelta(days=3 + n),
            at=demo.now,
        )
    for store in stores:
        if store.type == Store.Type.FLAGSHIP:
            shipping_store_set(store_id=store.pk, enabled=True)
