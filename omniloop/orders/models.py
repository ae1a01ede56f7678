from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Order(models.Model):
    """An order from any channel and every flow: a till sale, a mall order shipped home or picked
    up in store, scan-to-buy, endless aisle, ship from store, a marketplace order. `flow` is how
    the order came about (what settlement rules key on); `fulfilment` is how the goods leave."""

    class Status(models.TextChoices):
        PENDING = "pending", "Awaiting payment"
        PAID = "paid", "Paid"
        READY = "ready", "Ready for pickup"
        SHIPPED = "shipped", "Shipped"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"

    class Flow(models.TextChoices):
        STORE_SALE = "store_sale", "Store sale"
        ONLINE = "online", "Online, shipped from the warehouse"
        PICKUP = "pickup", "Buy online, pick up in store"
        SCAN_TO_BUY = "scan_to_buy", "Scan a tag in store, buy online"
        ENDLESS_AISLE = "endless_aisle", "Endless aisle"
        SHIP_FROM_STORE = "ship_from_store", "Ship from store"
        MARKETPLACE = "marketplace", "Marketplace"
        IMPORTED = "imported", "Imported history"

    class Fulfilment(models.TextChoices):
        IN_STORE = "in_store", "Carried out of the store"
        WAREHOUSE = "warehouse", "Shipped from the warehouse"
        STORE_SHIP = "store_ship", "Shipped from a store"
        PICKUP = "pickup", "Picked up in store"

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
    flow = models.CharField(max_length=16, choices=Flow.choices, default=Flow.STORE_SALE)
    fulfilment = models.CharField(
        max_length=12, choices=Fulfilment.choices, default=Fulfilment.IN_STORE
    )
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The ordering touchpoint (a scanned tag, an assistant's card)",
    )
    total = models.DecimalField(max_digits=12, decimal_places=2, help_text="Paid: lines + shipping")
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    shipping_fee = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    points_redeemed = models.PositiveIntegerField(default=0)
    points_earned = models.PositiveIntegerField(default=0)
    points_value = models.DecimalField(
        max_digits=10, decimal_places=2, default=0, help_text="What the redeemed points paid"
    )
    refunded_total = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.COMPLETED)
    pickup_code_hash = models.CharField(max_length=64, blank=True)
    pickup_expires_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(refunded_total__gte=0) & Q(refunded_total__lte=models.F("total")),
                name="order_refund_within_total",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "ordered_at"]),
            models.Index(fields=["credited_store", "ordered_at"]),
            models.Index(fields=["credited_assistant", "ordered_at"]),
            models.Index(fields=["store", "status"]),
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
    returned_quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="line_quantity_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(returned_quantity__lte=models.F("quantity")),
                name="line_returned_within_quantity",
            ),
        ]


class OrderStatusChange(models.Model):
    """The order's status history: one row per transition, never changed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["order", "at", "pk"]


class Payment(models.Model):
    """One payment (or refund, negative direction) through a payment provider."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        REFUND = "refund", "Refund"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.CHARGE)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    provider_ref = models.CharField(max_length=64, help_text="The provider's transaction id")
    refund_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="refunds",
        help_text="A refund: the charge it gives money back from",
    )
    reference = models.CharField(
        max_length=32, blank=True, help_text="A refund: our refund number (out_refund_no)"
    )
    created_at = models.DateTimeField()
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_ref"], name="payment_ref_unique"),
            models.UniqueConstraint(
                fields=["provider", "reference"],
                condition=~Q(reference=""),
                name="payment_refund_reference_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]


class PaymentNotification(models.Model):
    """A provider's verified notification, kept once: a repeated notification is a no-op."""

    provider = models.CharField(max_length=32)
    notification_id = models.CharField(max_length=64)
    payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    payload = models.JSONField()
    received_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "notification_id"], name="payment_notification_unique"
            )
        ]


class OrderReturn(models.Model):
    """A full or partial return (退货退款), in any channel and at any store: what came back, the
    money and points given back, and the points taken back. `reference` makes it idempotent."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    reference = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=64)
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Where the goods came back (none: returned by post)",
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="Refunded in all")
    money_amount = models.DecimalField(max_digits=12, decimal_places=2)
    points_restored = models.PositiveIntegerField(default=0, help_text="Points that paid, back")
    points_reversed = models.PositiveIntegerField(default=0, help_text="Earned points taken back")
    points_owed = models.PositiveIntegerField(default=0, help_text="Of those, owed as a debt")
    coupons_restored = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["order", "created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="return_amount_not_negative"),
        ]


class OrderReturnLine(models.Model):
    order_return = models.ForeignKey(OrderReturn, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="return_line_quantity"),
        ]


# The online mall's tables live in their own module (kept small); imported so Django sees them.
from omniloop.orders.models_online import (  # noqa: E402
    CartLine,
    OrderAddress,
    OrderCoupon,
    ShippingStore,
)

__all__ = [
    "CartLine",
    "Order",
    "OrderAddress",
    "OrderCoupon",
    "OrderLine",
    "OrderReturn",
    "OrderReturnLine",
    "OrderStatusChange",
    "Payment",
    "PaymentNotification",
    "ShippingStore",
]
