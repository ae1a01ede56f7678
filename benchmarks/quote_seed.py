"""Seed a catalog and N active offers for bench_quote.py: a brand's realistic mix, most offers
scoped to a few products or a category, some sitewide, some for another channel or store."""

from __future__ import annotations

import random
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from omniloop.catalog.models import Category, Product, Sku
from omniloop.core import clock
from omniloop.promotions.models import Offer
from omniloop.stores.models import SalesChannel, Store
from omniloop.stores.selectors import channel_for_store_till

PRODUCTS = 300
CATEGORIES = 20


def catalog(rng: random.Random) -> list[Product]:
    parents = [
        Category.objects.create(code=f"top{i}", name=f"大类{i}", name_en=f"Group {i}")
        for i in range(4)
    ]
    cats = parents + [
        Category.objects.create(
            code=f"cat{i:02d}", name=f"品类{i}", name_en=f"Category {i}", parent=parents[i % 4]
        )
        for i in range(CATEGORIES - 4)
    ]
    products = Product.objects.bulk_create(
        Product(
            style_code=f"BQ{i:04d}",
            name=f"款式{i}",
            name_en=f"Style {i}",
            category=rng.choice(cats[4:]),
            list_price=Decimal(rng.choice([99, 129, 199, 299, 399, 599, 899, 1299])),
            status=Product.Status.ACTIVE,
        )
        for i in range(PRODUCTS)
    )
    Sku.objects.bulk_create(
        Sku(product=p, sku_code=f"{p.style_code}-{size}", barcode=f"69{p.pk:06d}{n}", size=size)
        for p in products
        for n, size in enumerate(("S", "M", "L"))
    )
    return products


def _params(kind: str, rng: random.Random, gift_sku: int) -> dict[str, Any]:
    fen = lambda lo, hi: rng.randrange(lo, hi, 100)  # noqa: E731
    match kind:
        case "amount_off":
            return {"amount": fen(1000, 5000), "min_spend": rng.choice([0, 20000, 50000])}
        case "percent_off":
            return {"pay_percent": rng.randrange(70, 96), "min_spend": 0} | (
                {"cap": fen(5000, 20000)} if rng.random() < 0.5 else {}
            )
        case "threshold":
            if rng.random() < 0.5:
                return {"tiers": [[30000, 3000], [50000, 6000], [100000, 15000]]}
            return {"repeat_every": 20000, "repeat_off": 2000, "cap": 10000}
        case "buy_x_get_y":
            return {"buy": 2, "get": 1, "get_pay_percent": rng.choice([0, 50])}
        case "fixed_price":
            return {"price": fen(5000, 20000)}
        case "gift":
            return {"min_spend": fen(30000, 80000), "gift_sku_id": gift_sku, "quantity": 1}
        case "member_extra" | "member_price":
            return {"pay_percent_by_tier": {"gold": 95, "platinum": 90}}
        case _:
            return {"min_spend": 9900}


PRODUCT_KINDS = ["amount_off", "percent_off", "fixed_price", "buy_x_get_y", "gift"]
CATEGORY_KINDS = ["threshold", "percent_off", "amount_off"]
SITEWIDE_KINDS = ["threshold", "member_extra", "member_price", "percent_off", "free_shipping"]


def offers(n: int, products: list[Product], rng: random.Random) -> dict[str, int]:
    """n active offers: 60% on 1-4 products, 25% on a category, 10% sitewide for another
    channel or store (never candidates at this till), 5% sitewide here; a fifth with
    weekday/hour windows, some scheduled for later, stacking groups, exclusives, caps."""
    store = Store.objects.create(code="bench01", name="基准店", city="上海")
    other = Store.objects.create(code="bench02", name="另一店", city="北京")
    channel_for_store_till()
    SalesChannel.objects.create(code="wechat-mall", name="微商城", kind="wechat_mall")
    gift_sku = Sku.objects.filter(product=products[0]).first()
    assert gift_sku is not None
    categories = list(Category.objects.filter(parent__isnull=False))
    now = clock.now()
    mix = {"product": 0, "category": 0, "elsewhere": 0, "sitewide": 0}
    rows: list[tuple[Offer, list[int], list[int], list[int]]] = []
    for i in range(n):
        roll = i / n
        scope = (
            "product"
            if roll < 0.60
            else "category"
            if roll < 0.85
            else "elsewhere"
            if roll < 0.95
            else "sitewide"
        )
        mix[scope] += 1
        kinds = {"product": PRODUCT_KINDS, "category": CATEGORY_KINDS}.get(scope, SITEWIDE_KINDS)
        kind = rng.choice(kinds)
        offer = Offer(
            name=f"offer {i}",
            kind=kind,
            params=_params(kind, rng, gift_sku.pk),
            status=Offer.Status.ACTIVE,
            all_products=scope in ("elsewhere", "sitewide"),
            stacking_group=rng.choice(["", "", "", "g1", "g2", "g3"]),
            exclusive=rng.random() < 0.03,
            priority=rng.randrange(10, 300),
            compound=kind in ("member_extra",) or rng.random() < 0.3,
            max_discount=Decimal(rng.choice([100, 200])) if rng.random() < 0.1 else None,
        )
        if scope == "elsewhere" and rng.random() < 0.5:
            offer.channels = ["wechat-mall"]
        window = rng.random()
        if window < 0.1:
            offer.weekdays, offer.daily_start, offer.daily_end = [5, 6], time(9), time(12)
        elif window < 0.15:
            offer.starts_at = now + timedelta(days=7)
        elif window < 0.2:
            offer.ends_at = now + timedelta(days=30)
        picked = rng.sample(products, rng.randint(1, 4)) if scope == "product" else []
        cats = [rng.choice(categories).pk] if scope == "category" else []
        stores = [other.pk] if scope == "elsewhere" and not offer.channels else []
        rows.append((offer, [p.pk for p in picked], cats, stores))
    created = Offer.objects.bulk_create([r[0] for r in rows])
    links = [(o, r) for o, r in zip(created, rows, strict=True)]
    Offer.products.through.objects.bulk_create(
        Offer.products.through(offer_id=o.pk, product_id=p) for o, r in links for p in r[1]
    )
    Offer.categories.through.objects.bulk_create(
        Offer.categories.through(offer_id=o.pk, category_id=c) for o, r in links for c in r[2]
    )
    Offer.stores.through.objects.bulk_create(
        Offer.stores.through(offer_id=o.pk, store_id=s) for o, r in links for s in r[3]
    )
    return {"store_id": store.pk, **mix}


def baskets(n: int, rng: random.Random) -> list[list[tuple[str, int]]]:
    codes = list(Sku.objects.values_list("sku_code", flat=True))
    return [
        [(rng.choice(codes), rng.randint(1, 3)) for _ in range(rng.randint(1, 6))] for _ in range(n)
    ]
