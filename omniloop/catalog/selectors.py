from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from omniloop.catalog.models import ChannelAvailability, OutfitLink, Product, Sku
from omniloop.core.errors import NotFound
from omniloop.stores.models import SalesChannel


def product_get(*, style_code: str) -> Product:
    product = (
        Product.objects.select_related("category")
        .prefetch_related(
            "photos",
            "skus",
            Prefetch(
                "outfit_links",
                queryset=OutfitLink.objects.select_related("item").prefetch_related("item__photos"),
            ),
        )
        .filter(style_code=style_code)
        .exclude(status=Product.Status.DRAFT)
        .first()
    )
    if product is None:
        raise NotFound(f"No product {style_code!r}.", code="product_not_found")
    return product


def product_list() -> QuerySet[Product]:
    return Product.objects.select_related("category").prefetch_related("photos")


@dataclass(frozen=True)
class SkuInfo:
    id: int
    sku_code: str
    style_code: str
    name: str
    size: str
    color: str
    list_price: Decimal


def sku_find(*, ref: str) -> SkuInfo | None:
    """A SKU by code or barcode, as a till would send it."""
    sku = (
        Sku.objects.select_related("product").filter(sku_code=ref).first()
        or Sku.objects.select_related("product").filter(barcode=ref).first()
    )
    if sku is None:
        return None
    return SkuInfo(
        id=sku.pk,
        sku_code=sku.sku_code,
        style_code=sku.product.style_code,
        name=sku.product.name,
        size=sku.size,
        color=sku.color,
        list_price=price_for(product=sku.product, channel_code=None),
    )


def price_for(*, product: Product, channel_code: str | None) -> Decimal:
    """The list price a channel shows. Every channel reads the one catalog price (R2); the
    promotions engine, not the channel, makes offers."""
    return product.list_price


def available_on(*, product: Product, channel_code: str) -> bool:
    row = ChannelAvailability.objects.filter(product=product, channel__code=channel_code).first()
    return True if row is None else row.available


def product_channels(*, product: Product) -> list[tuple[SalesChannel, bool]]:
    """Every active channel with whether this product is sold there (no row means yes)."""
    rows = {a.channel_id: a.available for a in ChannelAvailability.objects.filter(product=product)}
    return [
        (channel, rows.get(channel.pk, True))
        for channel in SalesChannel.objects.filter(active=True).order_by("code")
    ]


def product_ids_by_style_code(*, codes: list[str]) -> dict[str, int]:
    """Style code -> product id for the codes that exist (staff type codes into forms)."""
    return dict(Product.objects.filter(style_code__in=codes).values_list("style_code", "pk"))
