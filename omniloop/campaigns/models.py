"""Campaigns (营销活动): audience, offer, content, schedule, budget, holdout, approval (ADR 30).

A campaign is drafted by a marketer and approved by an HQ admin; only an approved campaign
launches. Launching freezes the audience as a segment version and writes one `CampaignMember`
per member with its group (treated, holdout, brand control), so the report never shifts when
members or the segment change later. Fan-out workers then give the treated group its coupons
and messages in batches; the budget is counted on the campaign row by conditional UPDATEs."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Campaign(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        RUNNING = "running", _("Running")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    class Goal(models.TextChoices):
        REVENUE = "revenue", "Revenue per member"
        VISITS = "visits", "Visits per member"

    name = models.CharField(max_length=100)
    playbook = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    segment = models.ForeignKey("insights.Segment", on_delete=models.PROTECT, related_name="+")
    segment_version = models.ForeignKey(
        "insights.SegmentVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The audience frozen at launch",
    )
    coupon_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    message_template = models.CharField(max_length=64, default="promotion")
    channel = models.CharField(max_length=8, blank=True, help_text="Blank: the fallback order")
    title = models.CharField(max_length=60, blank=True)
    body = models.CharField(max_length=200, blank=True)
    link_url = models.CharField(max_length=300, blank=True)
    send_at = models.DateTimeField(null=True, blank=True, help_text="Blank: on approval")
    window_days = models.PositiveSmallIntegerField(default=14)
    max_coupons = models.PositiveIntegerField(null=True, blank=True)
    max_discount_fen = models.BigIntegerField(null=True, blank=True)
    discount_bound_fen = models.BigIntegerField(
        default=0, help_text="The most one coupon can take off (from the offer), at approval"
    )
    holdout_share = models.DecimalField(max_digits=4, decimal_places=3, default=Decimal("0.100"))
    holdout_reason = models.CharField(
        max_length=200, blank=True, help_text="Why there is no holdout, when the share is 0"
    )
    use_brand_control = models.BooleanField(default=True)
    salt = models.BigIntegerField(help_text="Holdout hash salt, fixed when drafted")
    goal = models.CharField(max_length=10, choices=Goal.choices, default=Goal.REVENUE)
    cloned_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Counted by conditional UPDATEs: never above the budget, whatever the workers do.
    coupons_issued = models.PositiveIntegerField(default=0)
    discount_committed_fen = models.BigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    launched_at = models.DateTimeField(null=True, blank=True)
    window_ends_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_coupons__isnull=True) | Q(coupons_issued__lte=F("max_coupons")),
                name="campaign_coupons_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(max_discount_fen__isnull=True)
                | Q(discount_committed_fen__lte=F("max_discount_fen")),
                name="campaign_discount_within_budget",
            ),
            models.CheckConstraint(
                condition=Q(holdout_share__gte=0) & Q(holdout_share__lte=0.5),
                name="campaign_holdout_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignMember(models.Model):
    """One member of a launched campaign's frozen audience and their group."""

    class Group(models.TextChoices):
        TREATED = "treated", "Treated"
        HOLDOUT = "holdout", "Holdout"
        CONTROL = "control", "Brand control group"

    class State(models.TextChoices):
        PENDING = "pending", "Waiting for fan-out"
        SENT = "sent", "Coupon and message given"
        OVER_BUDGET = "over_budget", "Budget spent before this member"
        SKIPPED = "skipped", "Not sent (no group action)"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=8, choices=Group.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "member"], name="campaign_member_unique")
        ]
        indexes = [models.Index(fields=["campaign", "group", "state"])]


class CampaignResult(models.Model):
    """The report frozen when the campaign's window closes: never recomputed."""

    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="result")
    computed_at = models.DateTimeField()
    figures = models.JSONField()


class BrandControlGroup(models.Model):
    """The brand-wide control group (全局对照组): members no campaign that opts in ever treats,
    chosen by the same stable hash with the brand's own salt. One row."""

    salt = models.BigIntegerField()
    share = models.DecimalField(max_digits=4, decimal_places=3, default=0.05)
    updated_at = models.DateTimeField(auto_now=True)
