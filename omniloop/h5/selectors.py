"""Small reads the H5 pages need that belong to no domain app: where a scan lands, which
products a landing page shows, how a product's sizes and colours are listed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from omniloop.accounts.models import User
from omniloop.catalog.models import Product, Sku
from omniloop.catalog.selectors import product_list
from omniloop.core.errors import ApplicationError
from omniloop.growth.selectors import lottery_for_touchpoint
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import scene_resolve
from omniloop.touchpoints.values import SceneContext

SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "2XL", "XXXL", "3XL", "4XL", "F", "OS"]


def featured_products(*, limit: int = 6) -> QuerySet[Product]:
    return (
        product_list().filter(status=Product.Status.ACTIVE).order_by("-launched_on", "pk")[:limit]
    )


def scene_destination(*, ctx: SceneContext) -> str:
    """Where a scan lands: a product tag opens its product, a code placed in a store opens that
    store, anything else the brand's home page."""
    lottery_id = lottery_for_touchpoint(touchpoint_id=ctx.touchpoint_id)
    if lottery_id is not None:  # a lottery's poster or WeChat code opens the lottery
        return reverse("h5:lottery", args=[lottery_id])
    if ctx.kind == Touchpoint.Kind.PRODUCT_TAG and ctx.product_id:
        style_code = (
            Product.objects.filter(pk=ctx.product_id).values_list("style_code", flat=True).first()
        )
        if style_code:
            return reverse("h5:product", args=[style_code])
    if ctx.store_id:
        code = Store.objects.filter(pk=ctx.store_id).values_list("code", flat=True).first()
        if code:
            return reverse("h5:store", args=[code])
    return reverse("h5:home")


def scene_assistant(*, scene: str | None, store_id: int) -> User | None:
    """The shop assistant whose card brought this browser to this store, if any. A code that
    has since been retired simply shows no assistant."""
    if not scene:
        return None
    try:
        ctx = scene_resolve(scene=scene)
    except ApplicationError:
        return None
    if ctx.store_id != store_id or not ctx.assistant_id:
        return None
    return User.objects.filter(pk=ctx.assistant_id, is_active=True).first()


def _size_key(size: str) -> tuple[int, float, str]:
    upper = size.strip().upper()
    if upper in SIZE_ORDER:
        return (0, SIZE_ORDER.index(upper), upper)
    number = re.match(r"^\d+(\.\d+)?", upper)
    if number:
        return (1, float(number.group()), upper)
    return (2, 0.0, upper)


@dataclass(frozen=True)
class Variants:
    sizes: list[str]
    colors: list[tuple[str, str]]  # (Chinese, English)


def product_variants(*, product: Product) -> Variants:
    """Sizes in wearing order (S before M before L) and colours in catalog order, from the
    product's active SKUs (already prefetched by `product_get`)."""
    skus = [s for s in product.skus.all() if s.active]
    sizes = sorted({s.size for s in skus if s.size}, key=_size_key)
    colors: dict[str, str] = {}
    for sku in skus:
        if sku.color and sku.color not in colors:
            colors[sku.color] = sku.color_en
    return Variants(sizes=sizes, colors=list(colors.items()))


def outfit_items(*, product: Product) -> list[Product]:
    return [
        link.item
        for link in product.outfit_links.all()
        if link.item.status == Product.Status.ACTIVE
    ]


def sku_choices(*, product: Product) -> list[Sku]:
    """The product's active SKUs a shopper can put in the cart, in wearing order (S before M);
    the product's SKUs are prefetched by `product_get`."""
    return sorted((s for s in product.skus.all() if s.active), key=lambda s: _size_key(s.size))
