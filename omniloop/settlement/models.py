"""Settlement (结算): who is credited with an order's money and how much (分成), per period, and
the assistants' commission (佣金). Rules are versioned (a new row per edit, never changed);
ledger rows are append-only (PostgreSQL refuses UPDATE and DELETE by trigger, ADR 19)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

BP_TOTAL = 10_000  # basis points: shares of one order sum to this


class SettlementRule(models.Model):
    """One version of a flow's split. An edit adds a version effective from now (or a later
    date); an order is settled by the version in force when it was paid, so editing a rule
    never changes an order already settled or a past period."""

    flow = models.CharField(max_length=16)
    effective_from = models.DateTimeField()
    enabled = models.BooleanField(default=True, help_text="Off: orders of this flow settle nothing")
    ordering_bp = models.PositiveIntegerField(
        default=0, help_text="The ordering touchpoint's store (the tag, card or tablet)"
    )
    fulfilling_bp = models.PositiveIntegerField(default=0, help_text="The fulfilling store")
    credited_bp = models.PositiveIntegerField(
        default=0, help_text="The credited (bound) store, with the credited assistant"
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["flow", "-effective_from", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["flow", "effective_from"], name="settlement_rule_version"
            ),
            models.CheckConstraint(
                condition=Q(ordering_bp__lte=BP_TOTAL)
                & Q(fulfilling_bp__lte=BP_TOTAL)
                & Q(credited_bp__lte=BP_TOTAL),
                name="settlement_rule_share_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    **{
                        "ordering_bp": BP_TOTAL - F("fulfilling_bp") - F("credited_bp"),
                    }
                ),
                name="settlement_rule_shares_sum",
            ),
        ]


class CommissionRule(models.Model):
    """One version of a commission rate (basis points of the credited amount) for a flow and a
    category; blank flow or no category means any. `active=False` ends the key from
    `effective_from` on. The most specific key in force wins."""

    flow = models.CharField(max_length=16, blank=True)
    category = models.ForeignKey(
        "catalog.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rate_bp = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    effective_from = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["flow", "category_id", "-effective_from", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(rate_bp__lte=BP_TOTAL), name="commission_rate_range")
        ]


class SettlementPeriodClose(models.Model):
    """A closed period (a calendar month in the brand's time zone): nothing more is written to
    it; late sales and refunds land in the next open period."""

    period = models.DateField(unique=True, help_text="First day of the month")
    closed_at = models.DateTimeField()
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-period"]


class OrderSettlement(models.Model):
    """An order's settlement, once: the unique order makes `settlement_record` idempotent, and
    its row lock serialises the order's refunds."""

    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(SettlementRule, null=True, on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2, help_text="What was split")
    commission_rate = models.CharField(
        max_length=80, default="0", help_text="Commission per unit credited, an exact fraction"
    )
    settled_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["period"])]


class SettlementRefund(models.Model):
    """One refund of an order as the refund flow reported it, kept once per reference."""

    settlement = models.ForeignKey(
        OrderSettlement, on_delete=models.PROTECT, related_name="refunds"
    )
    refund_ref = models.CharField(max_length=64)
    requested = models.DecimalField(max_digits=12, decimal_places=2)
    reversed = models.DecimalField(
        max_digits=12, decimal_places=2, help_text="What the ledger took back (see ADR 19)"
    )
    period = models.DateField()
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["settlement", "refund_ref"], name="settlement_refund_ref"
            )
        ]


class SettlementEntry(models.Model):
    """One party's share of an order (kind sale, positive) or of a refund (kind refund,
    negative) in one period. A party is a store (none: unattributed, kept by HQ) and possibly
    an assistant of it."""

    class Kind(models.TextChoices):
        SALE = "sale", "Sale"
        REFUND = "refund", "Refund"

    settlement = models.ForeignKey(
        OrderSettlement, on_delete=models.PROTECT, related_name="entries"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    refund = models.ForeignKey(
        SettlementRefund, null=True, blank=True, on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    flow = models.CharField(max_length=16)
    roles = models.CharField(max_length=40, help_text="credited, ordering, fulfilling")
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField()
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["order_id", "pk"]
        indexes = [
            models.Index(fields=["period", "store"]),
            models.Index(fields=["period", "assistant"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="sale", amount__gt=0, refund__isnull=True)
                | Q(kind="refund", amount__lt=0, refund__isnull=False),
                name="settlement_entry_sign",
            )
        ]


class CommissionEntry(models.Model):
    """An assistant's commission on one settlement entry: positive for a sale, negative when a
    refund takes part of it back."""

    entry = models.OneToOneField(SettlementEntry, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    period = models.DateField()
    base = models.DecimalField(max_digits=12, decimal_places=2, help_text="The entry's amount")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["period", "assistant"])]
