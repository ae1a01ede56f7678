from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Touchpoint(models.Model):
    """An offline entry point with a QR code: a counter, an assistant's card, a product tag, a
    poster. Its `scene` is random, so codes cannot be forged by counting."""

    class Kind(models.TextChoices):
        STORE_COUNTER = "store_counter", "Store counter"
        ASSISTANT_CARD = "assistant_card", "Assistant card"
        PRODUCT_TAG = "product_tag", "Product tag"
        POSTER = "poster", "Poster / campaign"

    scene = models.CharField(max_length=32, unique=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    label = models.CharField(max_length=100, blank=True)
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="touchpoints"
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    product = models.ForeignKey(
        "catalog.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="touchpoints",
    )
    active = models.BooleanField(default=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["store_id", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                name="touchpoint_shape",
                condition=(
                    Q(kind="store_counter", store__isnull=False)
                    | Q(kind="assistant_card", store__isnull=False, assistant__isnull=False)
                    | Q(kind="product_tag", product__isnull=False)
                    | Q(kind="poster")
                ),
            ),
            models.UniqueConstraint(
                fields=["assistant"],
                condition=Q(kind="assistant_card"),
                name="one_card_per_assistant",
            ),
            models.UniqueConstraint(
                fields=["store", "product"],
                condition=Q(kind="product_tag"),
                name="one_tag_per_store_product",
            ),
        ]

    def __str__(self) -> str:
        return self.label or self.scene


class Visitor(models.Model):
    """A browser that scanned before it was identified; linked to a member once they join."""

    key = models.CharField(max_length=36, unique=True)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="visitors"
    )
    created_at = models.DateTimeField()
    linked_at = models.DateTimeField(null=True, blank=True)


class ScanEvent(models.Model):
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.PROTECT, related_name="scans")
    visitor = models.ForeignKey(
        Visitor, null=True, blank=True, on_delete=models.SET_NULL, related_name="scans"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.SET_NULL, related_name="scans"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scanned_at = models.DateTimeField()
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["member", "scanned_at"]),
            models.Index(fields=["store", "scanned_at"]),
            models.Index(fields=["touchpoint", "scanned_at"]),
        ]
