from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Order(models.Model):
    """An order from any channel. The till sale is the first flow; the orders issue adds the
    mall, pickup, scan-to-buy, endless aisle and returns on this same model."""

    class Status(models.TextChoices):
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=32, unique=True)
    channel = models.ForeignKey("stores.SalesChannel", on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="orders",
        help_text="Fulfilling store",
    )
    receipt_no = models.CharField(
        max_length=64, blank=True, help_text="The till's or platform's own reference"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    credited_store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_orders",
    )
    credited_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="credited_orders",
    )
    credit_rule = models.CharField(max_length=32, blank=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    ordered_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "store", "receipt_no"],
                condition=~Q(receipt_no=""),
                name="order_receipt_unique",
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["member", "ordered_at"]),
            models.Index(fields=["credited_store", "ordered_at"]),
            models.Index(fields=["credited_assistant", "ordered_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    discount = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Net paid")

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_not_negative"),
        ]
