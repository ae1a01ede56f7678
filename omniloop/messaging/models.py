from __future__ import annotations

import uuid

from django.db import models

from omniloop.messaging.values import Channel, EventKind, MessageKind, Reason, Status


class Message(models.Model):
    """One message to one member: the outbox row (ADR 25).

        Written by `message_enqueue` in the transaction of its cause, so it exists if and only if
        the cause committed. `uid` is the stable message id, passed to providers as their client
        reference (idempotency key); `dedupe_key` makes a second enqueue of the same thing a no-op.
        The worker moves it queued -> sending (a lease, `attempts` as the fencing token) -> sent
        -> delivered, or to failed/suppressed with a `reason`. No address is stored: it is looked
        up when the message is sent, so a changed phone or an erasure is respected. A reply to a
    WeChat follower who has not joined has no member and carries the follower's openid (ADR 40)."""

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    dedupe_key = models.CharField(max_length=128, null=True, blank=True, unique=True)
    # None only for a reply to a WeChat follower who has not joined: `openid` says who (ADR 40).
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    openid = models.CharField(max_length=64, blank=True, default="", db_default="")
    kind = models.CharField(max_length=16, choices=MessageKind.choices)
    template = models.CharField(max_length=64)
    context = models.JSONField(default=dict, blank=True)
    cause = models.CharField(max_length=64, blank=True, help_text="order:123, campaign:7...")
    channel_requested = models.CharField(
        max_length=12, choices=Channel.choices, blank=True, help_text="Blank: the fallback order"
    )
    channel = models.CharField(max_length=12, choices=Channel.choices, blank=True)
    skipped = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="Channels passed over and why: wechat_cs:window_closed",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    reason = models.CharField(max_length=20, choices=Reason.choices, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(
        null=True, blank=True, help_text="When it was claimed for sending: what caps count"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["due_at"],
                name="message_due",
                condition=models.Q(status__in=["queued", "sending"]),
            ),
            models.Index(fields=["member", "counted_at"], name="message_member_counted"),
            models.Index(fields=["member", "created_at"], name="message_member_created"),
            models.Index(fields=["provider_id"], name="message_provider_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(member__isnull=False) | ~models.Q(openid=""),
                name="message_member_or_openid",
            )
        ]

    def __str__(self) -> str:
        return f"{self.uid} {self.template} {self.status}"


class MessageEvent(models.Model):
    """What happened to a message after it left: delivery receipts, opens, clicks."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    at = models.DateTimeField()
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["message", "kind"])]


class MessagingProfile(models.Model):
    """How to write to a member beyond what members holds: the language of their messages and
    an e-mail address (AES-GCM at rest, masked for staff, like phones)."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="messaging_profile"
    )
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    email_cipher = models.BinaryField(null=True, blank=True)
    email_masked = models.CharField(max_length=64, blank=True)
    # A keyed digest of the lower-cased address, so a bounce reported by address finds it.
    email_index = models.CharField(max_length=64, blank=True, default="", db_default="")
    # Set by a hard bounce (ADR 39): the policy no longer tries e-mail; a new address clears it.
    email_unreachable_at = models.DateTimeField(null=True, blank=True)
    email_unreachable_reason = models.CharField(
        max_length=64, blank=True, default="", db_default=""
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["email_index"], name="messaging_profile_email_idx")]


class EmailFeedback(models.Model):
    """One bounce or complaint the mail provider reported (ADR 39), once per its event id: a
    replay finds the row and changes nothing. Holds no address."""

    class Kind(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        SOFT_BOUNCE = "soft_bounce", "Soft bounce"
        COMPLAINT = "complaint", "Complaint"

    event_id = models.CharField(max_length=128, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    member = models.ForeignKey(
        "members.Member", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    detail = models.CharField(max_length=200, blank=True)
    occurred_at = models.DateTimeField()
    received_at = models.DateTimeField()
