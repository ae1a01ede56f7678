"""What Omniloop keeps about an order imported from a marketplace (天猫, 京东, 抖音): the
platform's reference, what the platform charged, and what our engine says it should have
cost. The order itself is an ordinary `orders.Order` (flow `marketplace`)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class MarketplaceOrder(models.Model):
    """One platform order, unique by (channel, external id): importing it again replays."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    channel = models.ForeignKey("stores.SalesChannel", on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=64, help_text="The platform's order id")
    fingerprint = models.CharField(max_length=64, help_text="Hash of the imported content")
    platform_status = models.CharField(max_length=16)
    marketplace_total = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What the platform charged",
    )
    engine_total = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="What our engine prices the basket at"
    )
    drift = models.JSONField(default=list, help_text="Where the platform's figures differ")
    has_drift = models.BooleanField(default=False)
    imported_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-imported_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="marketplace_order_unique"
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="marketplace_external_id"),
        ]
        indexes = [models.Index(fields=["has_drift", "imported_at"])]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class MarketplaceCouponDrift(models.Model):
    """One of our coupon codes a marketplace order carried that we did not honour (ADR 43):
    unknown, expired, used, another member's, wrong channel or store, or lost before payment.
    The order was imported all the same; this row is the consistency check's record of it."""

    class Stage(models.TextChoices):
        ARRIVAL = "arrival", "When the order arrived"
        PAYMENT = "payment", "When the order was paid"

    marketplace_order = models.ForeignKey(
        MarketplaceOrder, on_delete=models.CASCADE, related_name="coupon_drift"
    )
    code = models.CharField(max_length=40, help_text="The code as normalised")
    reason = models.CharField(max_length=40, help_text="A coupon or offer reason code")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["marketplace_order", "code"], name="marketplace_coupon_drift_unique"
            ),
        ]
        indexes = [models.Index(fields=["recorded_at"])]

    def __str__(self) -> str:
        return f"{self.code}:{self.reason}"
