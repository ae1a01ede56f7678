"""Tables of the online mall (微商城 / 官网商城): a member's cart, an order's delivery address and
the coupons a checkout priced in (redeemed when the order is paid). Imported by `models.py`."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class CartLine(models.Model):
    """One SKU in a member's cart. Anonymous shoppers keep theirs in the session; it moves here
    once they are identified. Quantities only: prices always come from the engine."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField()
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["member", "sku"], name="cart_line_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="cart_quantity_positive"),
        ]


class OrderAddress(models.Model):
    """Where a shipped order goes. The recipient's phone is encrypted like every phone; only
    its masked form is readable without the key."""

    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="address")
    recipient = models.CharField(max_length=50)
    phone_encrypted = models.BinaryField()
    phone_masked = models.CharField(max_length=24)
    region = models.CharField(max_length=100, help_text="Province, city, district")
    line = models.CharField(max_length=200)
    postcode = models.CharField(max_length=12, blank=True)


class OrderCoupon(models.Model):
    """A coupon an online checkout priced in, with the discount it gave: reserved at placement,
    redeemed from these rows when the order is paid, released when it is cancelled."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="coupon_uses")
    code = models.CharField(max_length=32)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offer = models.ForeignKey("promotions.Offer", on_delete=models.PROTECT, related_name="+")
    discount_fen = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "code"], name="order_coupon_unique"),
        ]


class ShippingStore(models.Model):
    """A store that ships the malls' ship-to-home orders from its own stock (门店发货). Routing
    (`orders.routing`) sends an order to one of these when it holds the whole basket; others
    ship from the warehouse. HQ turns a store on and off; the row says who and when."""

    store = models.OneToOneField("stores.Store", on_delete=models.CASCADE, related_name="+")
    enabled_at = models.DateTimeField()
    enabled_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
