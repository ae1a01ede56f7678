"""Offers, coupons and flash sales. Every limit is enforced by the database (a unique row per use
or a conditional UPDATE), never by a read followed by a write."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from omniloop.promotions.values import OfferKind


class Offer(models.Model):
    """A promotion rule: condition (scope, window, audience) + benefit (kind + params).
    Coupons point at an offer with `coupon_only=True`."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=16, choices=[(k.value, k.value) for k in OfferKind])
    params = models.JSONField(default=dict)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    # Scope
    all_products = models.BooleanField(default=False)
    products = models.ManyToManyField("catalog.Product", blank=True, related_name="+")
    categories = models.ManyToManyField("catalog.Category", blank=True, related_name="+")
    collections = models.ManyToManyField("catalog.Collection", blank=True, related_name="+")
    channels = models.JSONField(default=list, blank=True, help_text="Channel codes; empty = all")
    stores = models.ManyToManyField("stores.Store", blank=True, related_name="+")
    tiers = models.JSONField(default=list, blank=True, help_text="Member tiers; empty = everyone")
    segments = models.JSONField(
        default=list, blank=True, help_text="Segment slugs (any one); empty = everyone"
    )
    requires_member = models.BooleanField(default=False)
    # Window, in the store's local time for weekdays and hours
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    weekdays = models.JSONField(default=list, blank=True, help_text="0=Monday; empty = every day")
    daily_start = models.TimeField(null=True, blank=True)
    daily_end = models.TimeField(null=True, blank=True)
    # Stacking
    stacking_group = models.CharField(max_length=32, blank=True)
    exclusive = models.BooleanField(default=False)
    priority = models.PositiveIntegerField(default=100)
    compound = models.BooleanField(default=False)
    max_discount = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    coupon_only = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["priority", "pk"]
        indexes = [models.Index(fields=["status", "coupon_only", "ends_at"])]

    def __str__(self) -> str:
        return self.name


class CouponTemplate(models.Model):
    class CodeKind(models.TextChoices):
        UNIQUE = "unique", "A single-use code per coupon"
        SHARED = "shared", "One shared code"

    name = models.CharField(max_length=100)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="coupon_templates")
    code_kind = models.CharField(max_length=8, choices=CodeKind.choices, default=CodeKind.UNIQUE)
    shared_code = models.CharField(max_length=32, unique=True, null=True, blank=True)
    shared_code_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text="Uses of the shared code in all"
    )
    shared_code_used = models.PositiveIntegerField(default=0)
    per_member_limit = models.PositiveIntegerField(default=1)
    issue_limit = models.PositiveIntegerField(null=True, blank=True)
    issued_count = models.PositiveIntegerField(default=0)
    claimable = models.BooleanField(default=False, help_text="Members may claim it by link or scan")
    claim_token = models.CharField(max_length=32, unique=True, null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Valid N days from issue (instead of until)"
    )
    restore_on_return = models.BooleanField(default=True)
    reserve_minutes = models.PositiveIntegerField(default=15)
    welcome = models.BooleanField(
        default=False, help_text="Issued to every new member when they join"
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="shared_code_under_limit",
                condition=Q(shared_code_limit__isnull=True)
                | Q(shared_code_used__lte=models.F("shared_code_limit")),
            ),
            models.CheckConstraint(
                name="issued_under_limit",
                condition=Q(issue_limit__isnull=True)
                | Q(issued_count__lte=models.F("issue_limit")),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Coupon(models.Model):
    """One coupon in a member's wallet (or a bearer coupon with a unique code)."""

    class State(models.TextChoices):
        ISSUED = "issued", "Issued"
        RESERVED = "reserved", "Reserved by a checkout"
        REDEEMED = "redeemed", "Redeemed"
        VOID = "void", "Void"

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="coupons"
    )
    code = models.CharField(max_length=32, unique=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.ISSUED)
    source = models.CharField(max_length=16, help_text="manual, bulk, claim, scan, welcome...")
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField()
    reserved_until = models.DateTimeField(null=True, blank=True)
    reservation_ref = models.CharField(max_length=64, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="coupons"
    )

    class Meta:
        indexes = [
            models.Index(fields=["member", "state"]),
            models.Index(fields=["template", "state"]),
        ]


class Redemption(models.Model):
    """One use of a coupon or shared code. For shared codes, the per-member limit is a count of
    these rows checked under the template's row lock."""

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="+")
    coupon = models.ForeignKey(
        Coupon, null=True, blank=True, on_delete=models.PROTECT, related_name="redemptions"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="+")
    discount = models.DecimalField(max_digits=10, decimal_places=2)
    redeemed_at = models.DateTimeField()
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A single-use coupon has at most one live redemption, whatever races happen.
            models.UniqueConstraint(
                fields=["coupon"],
                condition=Q(reversed_at__isnull=True),
                name="one_live_redemption_per_coupon",
            ),
        ]


class FlashSale(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        ENDED = "ended", "Ended"

    name = models.CharField(max_length=100)
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    price = models.DecimalField(max_digits=10, decimal_places=2)
    stock_total = models.PositiveIntegerField()
    stock_left = models.PositiveIntegerField()
    per_member_limit = models.PositiveIntegerField(default=1)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    hold_minutes = models.PositiveIntegerField(default=15, help_text="Time to pay for a claim")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="flash_stock_in_range", condition=Q(stock_left__lte=models.F("stock_total"))
            ),
        ]


class FlashSaleClaim(models.Model):
    class State(models.TextChoices):
        HELD = "held", "Held, awaiting payment"
        PAID = "paid", "Paid"
        RELEASED = "released", "Released"

    flash_sale = models.ForeignKey(FlashSale, on_delete=models.PROTECT, related_name="claims")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.HELD)
    held_until = models.DateTimeField()
    claimed_at = models.DateTimeField()
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["flash_sale", "member"]),
            models.Index(fields=["state", "held_until"]),
        ]


class FlashSaleTally(models.Model):
    """Units a member holds or bought in a flash sale; a conditional UPDATE keeps it under the
    per-member limit."""

    flash_sale = models.ForeignKey(FlashSale, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flash_sale", "member"], name="flash_tally_unique")
        ]


class GroupBuy(models.Model):
    """An offer that unlocks when `min_members` join before `deadline`; lapses cleanly if not."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        UNLOCKED = "unlocked", "Unlocked"
        LAPSED = "lapsed", "Lapsed"

    name = models.CharField(max_length=100)
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="group_buys")
    coupon_template = models.ForeignKey(
        CouponTemplate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Coupons of this template go to the participants when the group buy unlocks",
    )
    min_members = models.PositiveIntegerField()
    deadline = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    joined_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class GroupBuyMember(models.Model):
    group_buy = models.ForeignKey(GroupBuy, on_delete=models.CASCADE, related_name="participants")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group_buy", "member"], name="group_buy_member_once")
        ]


class OfferIndexStamp(models.Model):
    """One row whose `stamp` changes with every write to a table the offer index is built from:
    database triggers set it (migration 0006) on any INSERT, UPDATE or DELETE of offers, their
    scope tables, collection items and categories, whoever writes (the ORM, a bulk update, raw
    SQL, another process). The index compares it instead of counting those tables (ADR 47).
    Values never repeat: a sequence on PostgreSQL, a random 64-bit integer on SQLite, so a
    rolled-back change cannot leave a stale index matching a later one."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    stamp = models.BigIntegerField()

    class Meta:
        db_table = "promotions_offerindexstamp"
