"""Demo collections (商品合集): an autumn capsule of coats and knitwear, and the best sellers by
the demo's own sales weights. Made through the catalog services and without drawing from the
demo's random stream, so every later step stays as it was for a seed."""

from __future__ import annotations

from omniloop.catalog.collection_services import collection_create
from omniloop.demo.context import Demo

ACTOR = "demo"
AUTUMN_CAPSULE = "autumn-capsule"
BEST_SELLERS = "best-sellers"
CAPSULE_CATEGORIES = ("coats", "knitwear")
PER_CATEGORY = 4
BEST_SELLER_COUNT = 10


def build_collections(demo: Demo) -> None:
    capsule = [
        p
        for code in CAPSULE_CATEGORIES
        for p in [p for p in demo.products if p.category.code == code][:PER_CATEGORY]
    ]
    collection_create(
        code=AUTUMN_CAPSULE,
        name="秋季胶囊系列",
        name_en="Autumn capsule",
        description="当季大衣与针织，一衣多穿。",
        products=capsule,
        actor_label=ACTOR,
    )
    best = sorted(demo.products, key=lambda p: (-demo.product_weight[p.pk], p.style_code))
    collection_create(
        code=BEST_SELLERS,
        name="人气榜",
        name_en="Best sellers",
        description="门店与线上卖得最好的款。",
        products=best[:BEST_SELLER_COUNT],
        actor_label=ACTOR,
    )
