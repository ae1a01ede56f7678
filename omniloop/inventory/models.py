"""Stock per store and SKU (门店库存), the holds taken against it (库存预留) and the log of every
change. The CHECK constraints are the last line of defence: the services never rely on them,
they keep the numbers whole by conditional UPDATEs (see `services`)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class StockSource(models.TextChoices):
    TILL = "till", "Store till"
    ERP = "erp", "ERP / HQ integration"
    CSV = "csv", "CSV import"
    DEMO = "demo", "Demo"


class StockLevel(models.Model):
    """How many units of one SKU a store holds, and how many of them are promised."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    source = models.CharField(max_length=8, choices=StockSource.choices, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True, help_text="The last load or delta")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["store", "sku"]
        constraints = [
            models.UniqueConstraint(fields=["store", "sku"], name="stock_store_sku"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_gte_0"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_gte_0"),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")), name="stock_reserved_lte_on_hand"
            ),
        ]
        indexes = [models.Index(fields=["sku", "store"], name="stock_sku_store")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.sku_id}: {self.on_hand} on hand, {self.reserved} reserved"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class ReservationKind(models.TextChoices):
    PICKUP = "pickup", "Pick up in store"
    FLASH_SALE = "flash_sale", "Flash sale"
    ENDLESS_AISLE = "endless_aisle", "Endless aisle"
    SHIP_FROM_STORE = "ship_from_store", "Ship from store"


class StockReservation(models.Model):
    """Units of one SKU at one store promised to an order (its `reference`) until they leave the
    store (consumed) or the promise ends (released: cancelled, no-show, expired)."""

    class Status(models.TextChoices):
        HELD = "held", "Held"
        CONSUMED = "consumed", "Consumed"
        RELEASED = "released", "Released"

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField()
    kind = models.CharField(max_length=16, choices=ReservationKind.choices)
    reference = models.CharField(max_length=64, help_text="The caller's id, e.g. an order number")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.HELD)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "reference", "sku"], name="reservation_kind_reference_sku"
            ),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="reservation_quantity_gt_0"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="reservation_status_expiry"),
            models.Index(fields=["store", "status"], name="reservation_store_status"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.reference} {self.sku_id} x{self.quantity} ({self.status})"


class MovementKind(models.TextChoices):
    LOAD = "load", "Load (snapshot)"
    ADJUST = "adjust", "Adjust (delta)"
    RESERVE = "reserve", "Reserve"
    RELEASE = "release", "Release"
    CONSUME = "consume", "Consume"


class StockMovement(models.Model):
    """Append-only: one row per change of a stock level, with what changed and why."""

    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=MovementKind.choices)
    on_hand_change = models.IntegerField(default=0)
    reserved_change = models.IntegerField(default=0)
    source = models.CharField(max_length=8, blank=True)
    reference = models.CharField(max_length=96, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["store", "sku", "at"], name="movement_store_sku_at")]
