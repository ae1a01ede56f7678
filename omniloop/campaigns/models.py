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

    class Schedule(models.TextChoices):
        ONE_OFF = "one_off", _("One-off")
        RECURRING = "recurring", _("Recurring")
        TRIGGERED = "triggered", _("Triggered")

    class Recurrence(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")

    class Trigger(models.TextChoices):
        FIRST_PURCHASE = "first_purchase", _("First purchase")
        JOINED = "joined", _("Joined")
        BIRTHDAY = "birthday", _("Birthday")
        LAPSE = "lapse", _("Lapse")
        SCAN_NO_PURCHASE = "scan_no_purchase", _("Scan without a purchase")
        PICKUP_UNCOLLECTED = "pickup_uncollected", _("Pickup not collected")

    name = models.CharField(max_length=100)
    playbook = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    segment = models.ForeignKey(
        "insights.Segment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The audience; blank only for a triggered campaign (everyone who triggers)",
    )
    # The schedule (ADR 35): one-off, recurring (a new frozen version per run) or triggered.
    schedule = models.CharField(max_length=10, choices=Schedule.choices, default=Schedule.ONE_OFF)
    recurrence = models.CharField(max_length=8, choices=Recurrence.choices, blank=True)
    run_hour = models.PositiveSmallIntegerField(default=10, help_text="Brand-local hour of a run")
    run_day = models.PositiveSmallIntegerField(
        default=1, help_text="Weekly: ISO weekday 1-7; monthly: day of month 1-28"
    )
    per_run = models.BooleanField(
        default=False, help_text="Recurring: treat a member again in every run"
    )
    next_run_at = models.DateTimeField(null=True, blank=True)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, blank=True)
    trigger_value = models.PositiveIntegerField(
        default=0, help_text="Lapse: days; scan: hours; pickup: hours; birthday: days before"
    )
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="Recurring/triggered: no entries after this"
    )

    class Narrowing(models.TextChoices):
        NONE = "", _("Everyone in the segment")
        NEAR_STORE = "near_store", _("Within N km of the store")
        LEGACY_UNBOUND = "legacy_unbound", _("Imported members without a bound card")

    # Narrows the segment's frozen version at launch (ADR 35); the entries are the audience.
    narrowing = models.CharField(max_length=16, choices=Narrowing.choices, blank=True)
    radius_km = models.DecimalField(max_digits=5, decimal_places=1, default=Decimal("3.0"))
    store = models.ForeignKey(
        "stores.Store",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="New-store opening: the store the invitation is valid at",
    )
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
        JOURNEY = "journey", "Walking the journey"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    group = models.CharField(max_length=8, choices=Group.choices)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What this entry is (ADR 35): "" for a one-off campaign or a recurring one treating each
    # member once; "run:<n>" per run; a trigger's occasion ("first", "birthday:2026",
    # "scan:2026-12-02", "pickup:<order>", "lapse:<last order day>"). One entry per occasion.
    occasion = models.CharField(max_length=40, default="", blank=True)
    run = models.ForeignKey(
        "CampaignRun", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The entrant's own outcome window (blank: the campaign's launch window).
    entered_at = models.DateTimeField(null=True, blank=True)
    window_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "member", "occasion"], name="campaign_member_occasion_unique"
            )
        ]
        # The member last: a fan-out claim (pending treated entries in member order) is a
        # range of this index, not a sort of every pending entry (ADR 41).
        indexes = [models.Index(fields=["campaign", "group", "state", "member"])]


class CampaignRun(models.Model):
    """One run of a recurring campaign: its own frozen segment version (ADR 35)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="runs")
    number = models.PositiveIntegerField()
    scheduled_for = models.DateTimeField()
    segment_version = models.ForeignKey(
        "insights.SegmentVersion", on_delete=models.PROTECT, related_name="+"
    )
    entered = models.PositiveIntegerField(default=0)
    ran_at = models.DateTimeField()

    class Meta:
        ordering = ["campaign", "number"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "number"], name="campaign_run_number"),
            models.UniqueConstraint(
                fields=["campaign", "scheduled_for"], name="campaign_run_scheduled_once"
            ),
        ]


class JourneyStep(models.Model):
    """One step of a campaign's journey, in order (ADR 35): wait a duration, check a condition
    (a segment rule over the member, or "has purchased since entry"), send (with or without the
    campaign's coupon), or end."""

    class Kind(models.TextChoices):
        WAIT = "wait", _("Wait")
        CONDITION = "condition", _("Condition")
        SEND = "send", _("Send a message")
        END = "end", _("End")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    wait_hours = models.PositiveIntegerField(default=0)
    # condition: "purchased" (since entry) or "rule" (a segment rule, `rule`)
    condition = models.CharField(max_length=10, blank=True)
    rule = models.JSONField(null=True, blank=True)
    negate = models.BooleanField(default=False, help_text="Continue when the condition is false")
    with_coupon = models.BooleanField(default=False)
    title = models.CharField(max_length=60, blank=True)
    body = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="journey_step_position")
        ]


class JourneyState(models.Model):
    """Where one entrant stands in the journey: the next step and when it is due."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        DONE = "done", "Finished"
        EXITED = "exited", "Left at a condition"

    entry = models.OneToOneField(CampaignMember, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    due_at = models.DateTimeField()
    entered_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "due_at"])]


class JourneyAction(models.Model):
    """An action taken (or a step passed) for one entrant: the unique key makes every action
    happen at most once, whatever a killed or racing worker does."""

    state = models.ForeignKey(JourneyState, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=16, help_text="waited, passed, exited, sent, ended...")
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["state", "position"], name="journey_action_once")
        ]
        indexes = [models.Index(fields=["campaign", "position", "outcome"])]


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
