"""What other channels show for our products, as observed (pushed by integrations, imported
from CSV, crawled). Our own channels are not stored: the check asks them (`surfaces`)."""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models


class ListingSource(models.TextChoices):
    API = "api", "API"
    CSV = "csv", "CSV import"
    CRAWL = "crawl", "Crawl"
    # Never stored: the check's own reading of one of our surfaces (the H5, the till).
    INTERNAL = "internal", "Internal"


class ChannelListing(models.Model):
    """One listing on one channel (a Tmall item, a JD SKU page) for a product, or one SKU of
    it. Identified by the channel's own id for it, so re-sending an observation updates the
    row instead of adding one."""

    channel = models.ForeignKey("stores.SalesChannel", on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=100, help_text="The channel's id for the listing")
    url = models.URLField(max_length=500, blank=True)
    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="channel_listings"
    )
    sku = models.ForeignKey(
        "catalog.Sku", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    title = models.CharField(max_length=200)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    description = models.TextField(blank=True)
    description_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the normalised text; blank: not observed"
    )
    observed_at = models.DateTimeField()
    source = models.CharField(max_length=8, choices=ListingSource.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["channel", "product", "external_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="listing_channel_external_id"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="listing_price_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["channel", "product"])]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"
