"""Reads of collections: the list staff pick from, one collection with its products in order,
and the product -> collections map the promotions engine scopes offers by."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, QuerySet

from omniloop.catalog.models import Collection, CollectionItem, Product
from omniloop.core.errors import NotFound


def collection_list(*, active: bool | None = None) -> QuerySet[Collection]:
    """Collections by code, each with `product_count`; `active` filters on the switch."""
    qs = Collection.objects.annotate(product_count=Count("items"))
    if active is not None:
        qs = qs.filter(active=active)
    return qs.order_by("code")


def collection_get(*, code: str) -> Collection:
    collection = Collection.objects.filter(code=code).first()
    if collection is None:
        raise NotFound("Collection not found.", code="collection_not_found")
    return collection


def collection_products(*, collection: Collection) -> list[Product]:
    """The collection's products in position order, with category and photos."""
    items = (
        CollectionItem.objects.filter(collection=collection)
        .select_related("product__category")
        .prefetch_related("product__photos")
        .order_by("position", "pk")
    )
    return [item.product for item in items]


def collection_memberships() -> dict[int, frozenset[int]]:
    """Product id -> the ids of every collection it is in (shown or not): what a basket line
    carries so an offer on a collection reaches it."""
    out: defaultdict[int, set[int]] = defaultdict(set)
    for product_id, collection_id in CollectionItem.objects.order_by().values_list(
        "product_id", "collection_id"
    ):
        out[product_id].add(collection_id)
    return {k: frozenset(v) for k, v in out.items()}
