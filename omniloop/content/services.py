"""Writing content items (ADR 33): save a draft or a live item, publish, archive, and record a
view. Every write validates all of its input first and changes nothing when it refuses; the
dashboard records each staff change in the audit trail inside the same transaction."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from omniloop.catalog.models import Product
from omniloop.content.markup import MAX_BODY
from omniloop.content.models import ContentItem, ContentPick, ContentPush, ContentView
from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.core.images import image_sniff
from omniloop.promotions.models import CouponTemplate, Offer
from omniloop.stores.models import Store

MAX_PICKS = 50
MALLS = ("wechat_mall", "web_mall")


@dataclass(frozen=True)
class ContentDraft:
    """What a marketer types for an item: the texts in both languages (either may be blank;
    the other is shown), the picked products in order, the linked offer or coupon template,
    where it shows and when."""

    kind: str
    title: str = ""
    title_en: str = ""
    summary: str = ""
    summary_en: str = ""
    body: str = ""
    body_en: str = ""
    product_ids: Sequence[int] = ()
    offer_id: int | None = None
    coupon_template_id: int | None = None
    in_wechat_mall: bool = True
    in_web_mall: bool = True
    store_ids: Sequence[int] = field(default_factory=tuple)
    publish_at: datetime | None = None
    unpublish_at: datetime | None = None


def _refuse(message: str, code: str, field_name: str = "") -> ValidationFailed:
    return ValidationFailed(message, code=code, extra={"field": field_name} if field_name else {})


def _check_texts(d: ContentDraft) -> None:
    limits = {"title": 100, "title_en": 100, "summary": 200, "summary_en": 200}
    limits |= {"body": MAX_BODY, "body_en": MAX_BODY}
    for name, limit in limits.items():
        if len(getattr(d, name)) > limit:
            raise _refuse("This text is too long.", "content_too_long", name)
    if not (d.title.strip() or d.title_en.strip()):
        raise _refuse("Give the item a title.", "content_title_missing", "title")


def _check_times(d: ContentDraft) -> None:
    for name in ("publish_at", "unpublish_at"):
        value = getattr(d, name)
        if value is not None and timezone.is_naive(value):
            raise _refuse("Give the time with its time zone.", "content_time_naive", name)
    if d.publish_at and d.unpublish_at and d.unpublish_at <= d.publish_at:
        raise _refuse(
            "The end must come after the start.", "content_window_invalid", "unpublish_at"
        )


def _products(d: ContentDraft) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in d.product_ids))
    if d.kind != ContentItem.Kind.PICKS:
        if ids:
            raise _refuse("Only product picks list products.", "content_picks_unexpected", "picks")
        return []
    if len(ids) > MAX_PICKS:
        raise _refuse(f"At most {MAX_PICKS} products.", "content_picks_too_many", "picks")
    found = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if len(found) != len(ids):
        raise _refuse("A listed product does not exist.", "content_product_unknown", "picks")
    return ids


def _links(d: ContentDraft) -> tuple[Offer | None, CouponTemplate | None]:
    if d.kind != ContentItem.Kind.PROMOTION:
        if d.offer_id or d.coupon_template_id:
            raise _refuse("Only a promotion links an offer.", "content_offer_unexpected", "offer")
        return None, None
    template = None
    if d.coupon_template_id:
        template = (
            CouponTemplate.objects.select_related("offer").filter(pk=d.coupon_template_id).first()
        )
        if template is None:
            raise _refuse("Coupon template not found.", "content_template_unknown", "coupon")
    offer = None
    if d.offer_id:
        offer = Offer.objects.filter(pk=d.offer_id).first()
        if offer is None:
            raise _refuse("Offer not found.", "content_offer_unknown", "offer")
    if template is not None and offer is not None and template.offer_id != offer.pk:
        raise _refuse(
            "The coupon belongs to another offer.", "content_offer_mismatch", "coupon_template"
        )
    return offer or (template.offer if template else None), template


def _stores(d: ContentDraft) -> list[int]:
    ids = list(dict.fromkeys(int(i) for i in d.store_ids))
    if Store.objects.filter(pk__in=ids).count() != len(ids):
        raise _refuse("A listed store does not exist.", "content_store_unknown", "stores")
    return ids


def _check_publishable(item: ContentItem, *, at: datetime) -> None:
    """What a live item needs beyond a valid draft: its content, and an offer that runs."""
    if item.kind == ContentItem.Kind.PICKS and not item.picks.exists():
        raise _refuse("Pick at least one product.", "content_picks_missing", "picks")
    if item.kind == ContentItem.Kind.NEWS and not (item.body.strip() or item.body_en.strip()):
        raise _refuse("Write the article.", "content_body_missing", "body")
    if item.kind == ContentItem.Kind.PROMOTION:
        if item.offer is None:
            raise _refuse("Link an offer or a coupon.", "content_offer_missing", "offer")
        if item.offer.status != Offer.Status.ACTIVE:
            raise _refuse("The offer is not active.", "content_offer_inactive", "offer")
    if item.unpublish_at is not None and item.unpublish_at <= at:
        raise _refuse("The end is already past.", "content_window_past", "unpublish_at")


def _locked(item_id: int) -> ContentItem:
    item = (
        ContentItem.objects.select_for_update(of=("self",))
        .select_related("offer", "coupon_template")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise NotFound("Content not found.", code="content_not_found")
    return item


@transaction.atomic
def content_item_save(
    *, draft: ContentDraft, item_id: int | None = None, user_id: int | None = None
) -> ContentItem:
    """Create an item (as a draft) or change one, under its row lock. An archived item is
    kept as it was; a published one stays publishable after the change or nothing changes."""
    if draft.kind not in ContentItem.Kind.values:
        raise _refuse("Unknown kind of content.", "content_kind_unknown", "kind")
    _check_texts(draft)
    _check_times(draft)
    if not (draft.in_wechat_mall or draft.in_web_mall):
        raise _refuse("Show it in at least one mall.", "content_mall_missing", "in_wechat_mall")
    products = _products(draft)
    offer, template = _links(draft)
    stores = _stores(draft)
    now = clock.now()
    if item_id is None:
        item = ContentItem(kind=draft.kind, created_by_id=user_id, created_at=now)
    else:
        item = _locked(item_id)
        if item.status == ContentItem.Status.ARCHIVED:
            raise Conflict("An archived item is not changed.", code="content_archived")
        if item.kind != draft.kind:
            raise _refuse("The kind is fixed once created.", "content_kind_fixed", "kind")
    for name in ("title", "title_en", "summary", "summary_en", "body", "body_en"):
        setattr(item, name, getattr(draft, name).strip())
    item.offer, item.coupon_template = offer, template
    item.in_wechat_mall, item.in_web_mall = draft.in_wechat_mall, draft.in_web_mall
    item.publish_at, item.unpublish_at = draft.publish_at, draft.unpublish_at
    item.updated_at = now
    item.save()
    item.stores.set(stores)
    ContentPick.objects.filter(item=item).delete()
    ContentPick.objects.bulk_create(
        [ContentPick(item=item, product_id=p, position=i) for i, p in enumerate(products)]
    )
    if item.status == ContentItem.Status.PUBLISHED:
        _check_publishable(item, at=now)  # raises inside the atomic block: nothing is kept
    return item


@transaction.atomic
def content_item_publish(*, item_id: int, at: datetime | None = None) -> ContentItem:
    """Draft -> published. It goes live at `publish_at` (now when blank) until `unpublish_at`.
    Publishing a published item again changes nothing."""
    item = _locked(item_id)
    if item.status == ContentItem.Status.PUBLISHED:
        return item
    if item.status == ContentItem.Status.ARCHIVED:
        raise Conflict("An archived item is not published again.", code="content_archived")
    now = at or clock.now()
    _check_publishable(item, at=now)
    item.status = ContentItem.Status.PUBLISHED
    item.published_at = item.updated_at = now
    item.save(update_fields=["status", "published_at", "updated_at"])
    return item


@transaction.atomic
def content_item_archive(*, item_id: int, at: datetime | None = None) -> ContentItem:
    """Any status -> archived: off every page at once; its pushes and views stay."""
    item = _locked(item_id)
    if item.status == ContentItem.Status.ARCHIVED:
        return item
    now = at or clock.now()
    item.status = ContentItem.Status.ARCHIVED
    item.archived_at = item.updated_at = now
    item.save(update_fields=["status", "archived_at", "updated_at"])
    return item


MAX_COVER_BYTES = 2 * 1024 * 1024


def content_item_cover(*, item_id: int, data: bytes | None) -> ContentItem:
    """Set (or, with None, remove) the item's cover image. The bytes must be a JPEG, PNG or
    WebP (`core.images`, by the file's own first bytes, never its name) of at most 2 MB; the
    stored name is random. Checked before anything is written; the old file goes."""
    if data is not None:
        if not data:
            raise _refuse("A photo is empty.", "photo_empty", "cover")
        if len(data) > MAX_COVER_BYTES:
            raise _refuse("A cover may be at most 2 MB.", "photo_too_large", "cover")
        try:
            _, ext = image_sniff(data)
        except ValidationFailed as exc:
            raise _refuse(exc.message, exc.code, "cover") from exc
    with transaction.atomic():
        item = _locked(item_id)
        if item.status == ContentItem.Status.ARCHIVED:
            raise Conflict("An archived item is not changed.", code="content_archived")
        old = item.cover.name
        if data is None:
            item.cover = ""
        else:
            item.cover.save(f"{secrets.token_hex(12)}.{ext}", ContentFile(data), save=False)
        item.updated_at = clock.now()
        item.save(update_fields=["cover", "updated_at"])
        if old and old != item.cover.name:
            transaction.on_commit(lambda: default_storage.delete(old))
    return item


def content_view_record(
    *, item_id: int, mall: str, member_id: int | None, visitor_key: str | None, via: str = ""
) -> ContentView:
    """One opening of a live item's page, by a member or else the browser's visitor key."""
    return ContentView.objects.create(
        item_id=item_id,
        member_id=member_id,
        visitor_key="" if member_id else (visitor_key or "")[:64],
        mall=mall if mall in MALLS else MALLS[0],
        via=via if via in ("feed", "push") else "direct",
        at=clock.now(),
    )


@transaction.atomic
def content_purge() -> dict[str, int]:
    """Delete every content item with its picks, pushes, views and cover files (the demo's
    reset: picks, promotions and pushes hold products, offers and segments with PROTECT)."""
    for item in ContentItem.objects.exclude(cover=""):
        item.cover.delete(save=False)
    deleted = {"ContentView": ContentView.objects.all().delete()[0]}
    deleted["ContentPush"] = ContentPush.objects.all().delete()[0]
    deleted["ContentPick"] = ContentPick.objects.all().delete()[0]
    deleted["ContentItem"] = ContentItem.objects.all().delete()[0]
    return deleted
