"""Reading content (ADR 33): what is live for a shopper in a mall and store, the item as a
shopper reads it in their language, and the dashboard's lists."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils.safestring import SafeString

from omniloop.catalog.models import Product
from omniloop.content.markup import body_html
from omniloop.content.models import ContentItem, ContentView
from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.promotions.models import CouponTemplate, Offer

FEED_SIZE = 30


def live_q(at: datetime) -> Q:
    """Published and inside the publish/unpublish window at `at`."""
    return (
        Q(status=ContentItem.Status.PUBLISHED)
        & (Q(publish_at__isnull=True) | Q(publish_at__lte=at))
        & (Q(unpublish_at__isnull=True) | Q(unpublish_at__gt=at))
    )


def _scoped(mall: str, store_id: int | None, at: datetime) -> QuerySet[ContentItem]:
    """Live items in `mall` for a shopper of `store_id` (None: no store known, so only the
    items for every store)."""
    qs = ContentItem.objects.filter(live_q(at))
    qs = qs.filter(in_web_mall=True) if mall == "web_mall" else qs.filter(in_wechat_mall=True)
    scoped = ContentItem.stores.through.objects.filter(contentitem_id=OuterRef("pk"))
    reach = Q(~Exists(scoped))
    if store_id:
        reach |= Q(Exists(scoped.filter(store_id=store_id)))
    return qs.filter(reach)


def content_feed(
    *, mall: str, store_id: int | None, at: datetime | None = None
) -> list[ContentItem]:
    """The feed: live items for this mall and store, newest first (by when they went live)."""
    at = at or clock.now()
    return list(
        _scoped(mall, store_id, at)
        .annotate(live_from=Coalesce("publish_at", "published_at"))
        .order_by("-live_from", "-pk")[:FEED_SIZE]
    )


def content_live_get(
    *, item_id: int, mall: str, store_id: int | None, at: datetime | None = None
) -> ContentItem:
    """A live item this shopper may open; anything else (a draft, archived, outside its
    window, another mall or store) is the same 404."""
    item = (
        _scoped(mall, store_id, at or clock.now())
        .select_related("offer", "coupon_template")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("This page is not available.", code="content_not_found")
    return item


def _text(item: ContentItem, name: str, english: bool) -> str:
    """The field in the page's language, falling back to the other one."""
    first, second = (f"{name}_en", name) if english else (name, f"{name}_en")
    return str(getattr(item, first) or getattr(item, second) or "")


@dataclass(frozen=True)
class ContentPage:
    """An item as a shopper reads it: texts in one language, picks in order (unpriced: the
    page prices them), and the promotion's offer and coupon template."""

    id: int
    kind: str
    title: str
    summary: str
    body: SafeString
    products: tuple[Product, ...]
    offer: Offer | None
    coupon_template: CouponTemplate | None
    live_from: datetime | None
    cover_url: str = ""


def content_page(item: ContentItem, *, english: bool) -> ContentPage:
    products = tuple(
        p.product
        for p in item.picks.select_related("product").prefetch_related("product__photos")
        if p.product.status == Product.Status.ACTIVE
    )
    return ContentPage(
        id=item.pk,
        kind=item.kind,
        title=_text(item, "title", english),
        summary=_text(item, "summary", english),
        body=body_html(_text(item, "body", english)),
        products=products,
        offer=item.offer,
        coupon_template=item.coupon_template,
        live_from=item.publish_at or item.published_at,
        cover_url=item.cover.url if item.cover else "",
    )


def content_card(item: ContentItem, *, english: bool) -> ContentPage:
    """The feed's card: the texts only (no picks, no body)."""
    return ContentPage(
        id=item.pk,
        kind=item.kind,
        title=_text(item, "title", english),
        summary=_text(item, "summary", english),
        body=SafeString(""),
        products=(),
        offer=None,
        coupon_template=None,
        live_from=item.publish_at or item.published_at,
        cover_url=item.cover.url if item.cover else "",
    )


def content_list(*, kind: str = "", status: str = "") -> QuerySet[ContentItem]:
    qs = ContentItem.objects.all()
    if kind in ContentItem.Kind.values:
        qs = qs.filter(kind=kind)
    if status in ContentItem.Status.values:
        qs = qs.filter(status=status)
    return qs


def content_get(*, item_id: int) -> ContentItem:
    item = (
        ContentItem.objects.select_related("offer", "coupon_template")
        .prefetch_related("stores")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("Content not found.", code="content_not_found")
    return item


def content_shown_state(item: ContentItem, *, at: datetime | None = None) -> str:
    """What a shopper sees of it now: draft, scheduled, live, ended or archived."""
    at = at or clock.now()
    if item.status != ContentItem.Status.PUBLISHED:
        return str(item.status)
    if item.publish_at and item.publish_at > at:
        return "scheduled"
    if item.unpublish_at and item.unpublish_at <= at:
        return "ended"
    return "live"


def content_view_counts(*, item_id: int) -> dict[str, int]:
    """Views of an item's page: all, by members, by distinct members, and through a push."""
    qs = ContentView.objects.filter(item_id=item_id)
    return qs.aggregate(
        views=Count("pk"),
        member_views=Count("pk", filter=Q(member__isnull=False)),
        members=Count("member", distinct=True),
        from_push=Count("pk", filter=Q(via="push")),
    )
