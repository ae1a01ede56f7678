"""Growth tools (R9, ADR 32): member referral (老带新), follow-to-win lotteries (关注抽奖) and
employee referral codes (员工推广码)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ReferralProgram(models.Model):
    """The brand's referral rules, one row (pk 1). Rewards are granted `cooling_days` after the
    referee's first order is paid, if it was not refunded by then."""

    active = models.BooleanField(default=True)
    referrer_points = models.PositiveIntegerField(default=200)
    referrer_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    referee_points = models.PositiveIntegerField(default=50)
    referee_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cooling_days = models.PositiveSmallIntegerField(default=7)
    monthly_cap = models.PositiveSmallIntegerField(default=10)
    link_days = models.PositiveSmallIntegerField(
        default=30, help_text="How long after opening a link a join still counts"
    )
    updated_at = models.DateTimeField(null=True, blank=True)


class ReferralLink(models.Model):
    """A member's share link (`/m/r/<token>`): a random token, so links cannot be guessed."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=24, unique=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["member", "active"])]


class ReferralDevice(models.Model):
    """A device cookie seen on a member's own referral page: opening that member's link from it
    is a self-referral."""

    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    device = models.CharField(max_length=36)
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "device"], name="referral_device_once")
        ]
        indexes = [models.Index(fields=["device"])]


class ReferralVisit(models.Model):
    """A browser opened a referral link: its visitor and device cookie, to be matched at join."""

    link = models.ForeignKey(ReferralLink, on_delete=models.CASCADE, related_name="visits")
    visitor = models.ForeignKey("touchpoints.Visitor", on_delete=models.CASCADE, related_name="+")
    device = models.CharField(max_length=36, blank=True)
    opened_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["visitor", "opened_at"])]


class Referral(models.Model):
    """One join through a referral link, accepted or refused (with its reason code)."""

    class Status(models.TextChoices):
        JOINED = "joined", _("Joined, waiting for a first paid order")
        QUALIFIED = "qualified", _("First order paid, cooling off")
        REWARDED = "rewarded", _("Rewarded")
        REFUSED = "refused", _("Refused")
        CANCELLED = "cancelled", _("Cancelled")

    referrer = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    referee = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(ReferralLink, on_delete=models.PROTECT, related_name="referrals")
    device = models.CharField(max_length=36, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices)
    reason = models.CharField(max_length=32, blank=True)
    joined_at = models.DateTimeField()
    first_order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    reward_due_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    referrer_points = models.PositiveIntegerField(default=0)
    referrer_coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    referee_points = models.PositiveIntegerField(default=0)
    referee_coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            # A member is the referee of one accepted referral, ever.
            models.UniqueConstraint(
                fields=["referee"], condition=~Q(status="refused"), name="referee_once"
            )
        ]
        indexes = [
            models.Index(fields=["referrer", "joined_at"]),
            models.Index(fields=["status", "reward_due_at"]),
            models.Index(fields=["device"]),
        ]


class ReferrerMonth(models.Model):
    """Rewards granted to a referrer in a brand-local month: the cap's counter, taken by one
    conditional UPDATE."""

    referrer = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    month = models.CharField(max_length=7)  # YYYY-MM
    rewarded = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["referrer", "month"], name="referrer_month_once")
        ]


class Lottery(models.Model):
    """A follow-to-win lottery. The seed is committed (its SHA-256 public) at creation and
    revealed at the draw; winners are a function of the seed and the ordered entry ids."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DRAWN = "drawn", _("Drawn")

    title = models.CharField(max_length=100)
    title_en = models.CharField(max_length=100, blank=True)
    coupon_template = models.ForeignKey(
        "promotions.CouponTemplate", on_delete=models.PROTECT, related_name="+"
    )
    winners = models.PositiveIntegerField()
    opens_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    requires_follow = models.BooleanField(default=True)
    touchpoint = models.OneToOneField(
        "touchpoints.Touchpoint", on_delete=models.PROTECT, related_name="+"
    )
    seed_hash = models.CharField(max_length=64)
    seed_cipher = models.BinaryField()
    seed = models.CharField(max_length=64, blank=True)  # revealed at the draw
    algorithm = models.CharField(max_length=32)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    drawn_at = models.DateTimeField(null=True, blank=True)
    entry_ids = models.JSONField(default=list)  # the eligible entries drawn from, in order
    winner_ids = models.JSONField(default=list)  # in rank order
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(name="lottery_window", condition=Q(closes_at__gt=F("opens_at"))),
            models.CheckConstraint(name="lottery_winners", condition=Q(winners__gt=0)),
        ]


class LotteryEntry(models.Model):
    lottery = models.ForeignKey(Lottery, on_delete=models.PROTECT, related_name="entries")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    source = models.CharField(max_length=12)  # h5, wechat
    entered_at = models.DateTimeField()
    won = models.BooleanField(default=False)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    award_problem = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lottery", "member"], name="lottery_entry_once")
        ]


class EmployeeCode(models.Model):
    """A staff user's personal referral code: a poster touchpoint with no store, so scanning it
    never binds a member to a store or an assistant (those rules stay attribution's)."""

    employee = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    touchpoint = models.OneToOneField(
        "touchpoints.Touchpoint", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()


class EmployeeRecruit(models.Model):
    """The employee whose code a member joined through (the first, never changed)."""

    member = models.OneToOneField("members.Member", on_delete=models.PROTECT, related_name="+")
    employee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    code = models.ForeignKey(EmployeeCode, on_delete=models.PROTECT, related_name="recruits")
    joined_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["employee", "joined_at"])]
