from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet

from omniloop.accounts.access import Actor, access_store
from omniloop.catalog.models import Product
from omniloop.core.errors import NotFound
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from omniloop.touchpoints.values import StoreTouch


def touchpoint_list(
    *, actor: Actor, store_id: int | None = None, kind: str | None = None
) -> QuerySet[Touchpoint]:
    qs = Touchpoint.objects.select_related("store", "assistant", "product")
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    if store_id:
        qs = qs.filter(store_id=store_id)
    if kind:
        qs = qs.filter(kind=kind)
    return qs


def touchpoint_get(*, actor: Actor, touchpoint_id: int) -> Touchpoint:
    tp = (
        Touchpoint.objects.select_related("store", "assistant", "product")
        .filter(pk=touchpoint_id)
        .first()
    )
    if tp is None:
        raise NotFound("Touchpoint not found.", code="touchpoint_not_found")
    if tp.store_id is not None or not actor.is_hq:
        access_store(actor, tp.store_id)
    return tp


def assistant_card(*, assistant_id: int) -> Touchpoint | None:
    return Touchpoint.objects.filter(
        kind=Touchpoint.Kind.ASSISTANT_CARD, assistant_id=assistant_id
    ).first()


def member_scans(*, member_id: int, limit: int = 100) -> QuerySet[ScanEvent]:
    return (
        ScanEvent.objects.select_related("touchpoint", "store", "assistant", "product")
        .filter(member_id=member_id)
        .order_by("-scanned_at")[:limit]
    )


def touchpoint_list_with_scans(
    *, actor: Actor, store_id: int | None = None, kind: str | None = None
) -> QuerySet[Touchpoint]:
    """`touchpoint_list` with each touchpoint's scan count as `.scan_count`."""
    # Meta.ordering is not applied to aggregating queries, so the order is spelled out.
    return (
        touchpoint_list(actor=actor, store_id=store_id, kind=kind)
        .annotate(scan_count=Count("scans"))
        .order_by("store_id", "kind", "pk")
    )


def scan_count(*, actor: Actor, since: datetime) -> int:
    """Scans since `since` in the actor's scope (their store's, or all for HQ)."""
    qs = ScanEvent.objects.filter(scanned_at__gte=since)
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    return qs.count()


def product_tag_exists(*, store_id: int | None, product_id: int) -> bool:
    qs = Touchpoint.objects.filter(kind=Touchpoint.Kind.PRODUCT_TAG, product_id=product_id)
    if store_id is None:
        return qs.filter(store__isnull=True).exists()
    return qs.filter(store_id=store_id).exists()


def products_without_tag(*, store_id: int) -> QuerySet[Product]:
    """Products on sale that have no product-tag touchpoint for this store yet."""
    tagged = Touchpoint.objects.filter(
        kind=Touchpoint.Kind.PRODUCT_TAG, store_id=store_id, product_id=OuterRef("pk")
    )
    return (
        Product.objects.filter(status=Product.Status.ACTIVE)
        .exclude(Exists(tagged))
        .order_by("style_code")
    )


def visitor_unlinked_store_touches(*, visitor_id: int, limit: int = 50) -> list[StoreTouch]:
    """The visitor's anonymous in-store scans, oldest first."""
    rows = (
        ScanEvent.objects.filter(visitor_id=visitor_id, member__isnull=True, store__isnull=False)
        .order_by("scanned_at", "pk")
        .values_list("store_id", "assistant_id", "touchpoint_id", "scanned_at")[:limit]
    )
    return [StoreTouch(store_id=s, assistant_id=a, touchpoint_id=t, at=at) for s, a, t, at in rows]
