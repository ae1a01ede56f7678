"""Browsing the mall: search by name or style code, and the category tree's top level."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from omniloop.catalog.models import Category, Product
from omniloop.catalog.selectors import product_list

MAX_QUERY = 50


def mall_categories() -> QuerySet[Category]:
    """Categories with at least one product on sale."""
    return (
        Category.objects.filter(products__status=Product.Status.ACTIVE).distinct().order_by("code")
    )


def product_browse(*, query: str = "", category: str = "", limit: int = 40) -> list[Product]:
    """Products on sale matching `query` (name in either language or style code, any part)
    in `category` (its code, sub-categories included), newest first."""
    qs = product_list().filter(status=Product.Status.ACTIVE)
    text = " ".join(query.split())[:MAX_QUERY]
    if text:
        qs = qs.filter(
            Q(name__icontains=text) | Q(name_en__icontains=text) | Q(style_code__icontains=text)
        )
    if category:
        qs = qs.filter(Q(category__code=category) | Q(category__parent__code=category))
    return list(qs.order_by("-launched_on", "pk")[:limit])
