"""The assistant's workbench (导购工作台, ADR 34): what it keeps of its own.

Tasks are computed on read from other apps' data; only what an assistant did is stored here:
a task marked done for one occasion, a product or coupon shared with a member, HQ's list of
coupon templates assistants may give out, and each assistant's monthly tally against its cap."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class TaskKind(models.TextChoices):
    BIRTHDAY = "birthday", "Birthday"
    LAPSING = "lapsing", "Lapsing member"
    PICKUP = "pickup", "Pickup ready"
    TICKET = "ticket", "Open ticket"


class FollowUpDone(models.Model):
    """A follow-up task an assistant closed, for one occasion: the key names the occasion
    (`birthday:<member>:<year>`, `lapsing:<member>:<last order day>`, `pickup:<number>`,
    `ticket:<id>:<last message>`), so the same occasion never comes back and the next one does."""

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=TaskKind.choices)
    occasion = models.CharField(max_length=96)
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True, default="")
    done_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "occasion"], name="workbench_task_done_once"
            )
        ]


class ShareableCoupon(models.Model):
    """A coupon template HQ lets assistants give to their members, at most `monthly_cap` coupons
    per assistant per month (brand time zone)."""

    template = models.OneToOneField(
        "promotions.CouponTemplate", on_delete=models.PROTECT, related_name="+"
    )
    monthly_cap = models.PositiveIntegerField()
    active = models.BooleanField(default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField()


class ShareTally(models.Model):
    """How many coupons of a shareable template an assistant gave in a month. `used` rises only
    by `UPDATE ... SET used = used + 1 WHERE used < cap`, so parallel shares never pass the cap."""

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        "promotions.CouponTemplate", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(help_text="The first day of the month, brand time zone")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "template", "month"], name="workbench_one_tally_per_month"
            )
        ]


class Share(models.Model):
    """One product or coupon an assistant shared with a member. `form_token` (one per rendered
    form) makes a resubmitted form the same share: unique per assistant."""

    class Kind(models.TextChoices):
        PRODUCT = "product", "Product"
        COUPON = "coupon", "Coupon"

    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    message_uid = models.CharField(max_length=32, blank=True, default="")
    form_token = models.CharField(max_length=48)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assistant", "form_token"], name="workbench_share_once_per_form"
            ),
            models.CheckConstraint(
                name="workbench_share_shape",
                condition=Q(kind="product", product__isnull=False)
                | Q(kind="coupon", template__isnull=False),
            ),
        ]
