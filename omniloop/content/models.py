"""Content operations (内容运营, ADR 33): product picks, promotions and news articles published to
the H5 malls and pushed to segments through the messaging outbox.

An item is written in Chinese and English (each language falls back to the other), moves
draft -> published -> archived, and is live on the H5 pages only while published and inside its
publish/unpublish window, in the malls and stores it is scoped to. Nothing here stores a price:
a pick is a product id and a position, priced on the page by the one engine."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ContentItem(models.Model):
    class Kind(models.TextChoices):
        PICKS = "picks", _("Product picks")
        PROMOTION = "promotion", _("Promotion")
        NEWS = "news", _("News article")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(max_length=100, blank=True)
    title_en = models.CharField(max_length=100, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    summary_en = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True, help_text="Plain paragraphs with a little markup")
    body_en = models.TextField(blank=True)
    offer = models.ForeignKey(
        "promotions.Offer", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coupon_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cover = models.FileField(
        upload_to="content/", blank=True, help_text="JPEG, PNG or WebP, checked by its bytes"
    )
    in_wechat_mall = models.BooleanField(default=True)
    in_web_mall = models.BooleanField(default=True)
    stores = models.ManyToManyField(
        "stores.Store", blank=True, related_name="+", help_text="None: every store"
    )
    publish_at = models.DateTimeField(null=True, blank=True, help_text="Blank: when published")
    unpublish_at = models.DateTimeField(null=True, blank=True, help_text="Blank: until archived")
    published_at = models.DateTimeField(null=True, blank=True)
    archived_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "publish_at"], name="content_live")]
        constraints = [
            models.CheckConstraint(
                condition=Q(publish_at__isnull=True)
                | Q(unpublish_at__isnull=True)
                | Q(unpublish_at__gt=F("publish_at")),
                name="content_window_order",
            ),
            models.CheckConstraint(
                condition=Q(in_wechat_mall=True) | Q(in_web_mall=True),
                name="content_some_mall",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.title_en or f"content {self.pk}"


class ContentPick(models.Model):
    """One product of a picks item, in its place. No price: the page prices it."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="picks")
    product = models.ForeignKey("catalog.Product", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["item", "position"]
        constraints = [
            models.UniqueConstraint(fields=["item", "product"], name="content_pick_unique")
        ]


class ContentPush(models.Model):
    """An item sent to one version of a segment: one row per (item, segment version), so a
    repeated push of the same audience queues nothing new. Its messages carry the cause
    `content_push:<id>`; their counts are read from the outbox, never kept here."""

    item = models.ForeignKey(ContentItem, on_delete=models.PROTECT, related_name="pushes")
    segment = models.ForeignKey("insights.Segment", on_delete=models.PROTECT, related_name="+")
    segment_version = models.ForeignKey(
        "insights.SegmentVersion", on_delete=models.PROTECT, related_name="+"
    )
    channel = models.CharField(max_length=12, blank=True, help_text="Blank: the fallback order")
    link_url = models.CharField(max_length=300)
    audience = models.PositiveIntegerField(help_text="Members in the segment version")
    queued = models.PositiveIntegerField(help_text="Messages this push added to the outbox")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "segment_version"], name="content_push_once_per_version"
            )
        ]

    @property
    def cause(self) -> str:
        return f"content_push:{self.pk}"


class ContentView(models.Model):
    """One opening of an item's page (no page-view facility exists elsewhere): by a member,
    else by the browser's visitor key (the H5 visitor cookie)."""

    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    visitor_key = models.CharField(max_length=64, blank=True)
    mall = models.CharField(max_length=12)
    via = models.CharField(max_length=8, blank=True, help_text="feed, push or direct")
    at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["item", "at"], name="content_view_item"),
            models.Index(fields=["member"], name="content_view_member"),
        ]
