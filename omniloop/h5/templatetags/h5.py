from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django import template
from django.utils.translation import get_language

from omniloop.catalog.models import Product
from omniloop.core.brand import brand_settings
from omniloop.h5.prices import H5Price

register = template.Library()


def english() -> bool:
    return (get_language() or "").lower().startswith("en")


@register.filter
def loc(obj: object, field: str) -> str:
    """`{{ product|loc:"name" }}`: the `name_en` twin in English when it is filled in."""
    if english():
        value = getattr(obj, f"{field}_en", "")
        if value:
            return str(value)
    return str(getattr(obj, field, "") or "")


@register.filter
def loc_pair(pair: tuple[str, str]) -> str:
    """A (Chinese, English) pair, such as a SKU colour, in the active language."""
    zh, en = pair
    return en if english() and en else zh


@register.filter
def yuan(amount: Decimal | int | None) -> str:
    if amount is None:
        return ""
    return f"¥{Decimal(amount):,.2f}"


@register.filter
def price_of(prices: Mapping[int, H5Price], product: Product) -> H5Price:
    """`{% with price=prices|price_of:p %}`: the product's price from the view's `h5_prices`
    (a product the view did not price is an error, not a silent list price)."""
    return prices[product.pk]


@register.filter
def first_photo_url(product: Product) -> str:
    photos = list(product.photos.all())
    return photos[0].image.url if photos else ""


@register.simple_tag(takes_context=True)
def brand_name(context: template.Context) -> str:
    # Shown in the header, the title and the footer: read the settings row once per request.
    request = context.get("request")
    brand = getattr(request, "_h5_brand", None)
    if brand is None:
        brand = brand_settings()
        if request is not None:
            request._h5_brand = brand
    return loc(brand, "name")


@register.filter
def get_item(mapping: Mapping[str, object], key: str) -> object:
    """`{{ labels|get_item:order.status }}`: a dict's value by a variable key ('' if absent)."""
    return mapping.get(key, "")
