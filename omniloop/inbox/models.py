"""The customer-service inbox (客服工单): every voice a ticket, its messages, photos,
remedies and the service targets it is measured against (ADR 28)."""

from __future__ import annotations

from datetime import time

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    WECHAT = "wechat", _("WeChat message")
    H5_FORM = "h5_form", _("Feedback form")
    STORE_NOTE = "store_note", _("Store note")
    SOCIAL = "social", _("Social mention")
    REVIEW = "review", _("Product review")
    SURVEY = "survey", _("Satisfaction survey")


class Category(models.TextChoices):
    SKIN_REACTION = "skin_reaction", _("Skin reaction")
    QUALITY = "quality", _("Quality")
    SIZE = "size", _("Size and fit")
    SERVICE = "service", _("Service attitude")
    DELIVERY = "delivery", _("Delivery")
    OTHER = "other", _("Other")


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Status(models.TextChoices):
    OPEN = "open", _("Open")
    ANSWERED = "answered", _("Answered")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = (Status.OPEN, Status.ANSWERED)


class ServicePolicy(models.Model):
    """The service targets (服务时效) and business hours; one row (pk=1). Urgent tickets count
    round the clock; the others count business hours only (in the brand's time zone)."""

    urgent_first_minutes = models.PositiveIntegerField(default=2)
    high_first_minutes = models.PositiveIntegerField(default=15)
    normal_first_minutes = models.PositiveIntegerField(default=60)
    low_first_minutes = models.PositiveIntegerField(default=240)
    urgent_resolve_hours = models.PositiveIntegerField(default=4)
    high_resolve_hours = models.PositiveIntegerField(default=8)
    normal_resolve_hours = models.PositiveIntegerField(default=24)
    low_resolve_hours = models.PositiveIntegerField(default=72)
    opens_at = models.TimeField(default=time(9, 0))
    closes_at = models.TimeField(default=time(21, 0))
    # ISO weekdays the brand answers on, "1234567" = every day.
    weekdays = models.CharField(max_length=7, default="1234567")
    # Escalate when this share of a target has passed without the step being done.
    escalate_at_percent = models.PositiveIntegerField(default=75)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="service_policy_singleton")]


class Ticket(models.Model):
    """One customer voice (一个诉求). Linked to whatever it is about; assigned to a store
    (`assigned_store`) or to HQ (empty). Store staff reach only their store's tickets."""

    number = models.CharField(max_length=16, unique=True)
    channel = models.CharField(max_length=16, choices=Channel.choices)
    source_ref = models.CharField(
        max_length=160, blank=True, default="", help_text="The channel's id: one ticket per voice"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    wechat_openid = models.CharField(max_length=64, blank=True, default="")
    author_name = models.CharField(max_length=100, blank=True, default="")
    summary = models.CharField(max_length=200)
    category = models.CharField(max_length=16, choices=Category.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField()
    first_response_due = models.DateTimeField()
    resolution_due = models.DateTimeField()
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    first_response_breached = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    satisfaction_comment = models.CharField(max_length=300, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source_ref"],
                condition=~Q(source_ref=""),
                name="one_ticket_per_voice",
            ),
            models.CheckConstraint(
                condition=Q(satisfaction__isnull=True)
                | Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "first_response_due"]),
            models.Index(fields=["status", "resolution_due"]),
            models.Index(fields=["assigned_store", "status"]),
            models.Index(fields=["member", "status"]),
            models.Index(fields=["wechat_openid", "status"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return self.number


class TicketMessage(models.Model):
    """What was said on a ticket: the customer's words (in), our replies (out, with their
    delivery), and staff-only notes."""

    class Direction(models.TextChoices):
        IN = "in", _("From the customer")
        OUT = "out", _("Our reply")
        NOTE = "note", _("Internal note")

    class Delivery(models.TextChoices):
        NONE = "", _("—")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=4, choices=Direction.choices)
    body = models.TextField(max_length=2000)
    author = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    via = models.CharField(max_length=16, blank=True, default="", help_text="wechat, sms")
    delivery = models.CharField(max_length=8, choices=Delivery.choices, blank=True, default="")
    delivery_error = models.CharField(max_length=64, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]


class TicketPhoto(models.Model):
    """A photo the customer sent, kept in private storage (never under MEDIA_URL) and shown
    only through the dashboard to staff who may open the ticket."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField()


class TicketEvent(models.Model):
    """The ticket's history: assignment, escalation, breach, status changes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24)
    note = models.CharField(max_length=200, blank=True, default="")
    by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]


class CannedReply(models.Model):
    """A reply staff pick and edit (快捷回复), optionally for one category."""

    title = models.CharField(max_length=60)
    body = models.TextField(max_length=1000)
    category = models.CharField(max_length=16, choices=Category.choices, blank=True, default="")
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return self.title


class Remedy(models.Model):
    """A compensation (补偿) on a ticket: a coupon or points. Granted at once within the asking
    role's limit; above it, pending until a higher role approves."""

    class Kind(models.TextChoices):
        COUPON = "coupon", _("Compensation coupon")
        POINTS = "points", _("Points")

    class State(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        GRANTED = "granted", _("Granted")
        REJECTED = "rejected", _("Rejected")

    ticket = models.ForeignKey(Ticket, on_delete=models.PROTECT, related_name="remedies")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    coupon_template = models.ForeignKey(
        "promotions.CouponTemplate",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    points = models.PositiveIntegerField(default=0)
    value_fen = models.PositiveIntegerField(help_text="What it is worth, for the approval limits")
    state = models.CharField(max_length=8, choices=State.choices)
    requested_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    requested_role = models.CharField(max_length=16)
    requested_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    coupon = models.ForeignKey(
        "promotions.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="coupon", coupon_template__isnull=False, points=0)
                | Q(kind="points", coupon_template__isnull=True, points__gt=0),
                name="remedy_coupon_or_points",
            )
        ]


class SurveyResponse(models.Model):
    """The short survey after an order or a pickup (订单评价): a rating, an optional product
    review. A low rating, or words the triage rules recognise, opens a ticket."""

    member = models.ForeignKey("members.Member", on_delete=models.PROTECT, related_name="+")
    order = models.OneToOneField("orders.Order", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(
        "catalog.Product", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.CharField(max_length=500, blank=True, default="")
    ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="survey_rating_1_to_5"
            )
        ]
