"""The service account's own tables: followers, received callbacks (one row each, the retry
guard) and the parametric QR codes we asked WeChat for."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class WechatFollower(models.Model):
    """A WeChat user of our service account (公众号粉丝), known by openid. A follower is not yet
    a member: their scans are kept against `visitor` until they join, then linked (ADR 16)."""

    openid = models.CharField(max_length=64, unique=True)
    unionid = models.CharField(max_length=64, blank=True, default="")
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_followers",
    )
    visitor = models.OneToOneField(
        "touchpoints.Visitor", on_delete=models.PROTECT, related_name="wechat_follower"
    )
    subscribed = models.BooleanField(default=False)
    subscribed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # The last time the user wrote, tapped, followed or scanned: opens the 48-hour window
    # (48小时客服窗口) for customer-service messages.
    last_interaction_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["member"]), models.Index(fields=["unionid"])]

    def __str__(self) -> str:
        return self.openid


class WechatInbound(models.Model):
    """One callback accepted from WeChat. `dedup_key` is unique, so WeChat's retries (it gives
    up after 5 s and tries 3 times) and replays insert nothing and enqueue nothing."""

    dedup_key = models.CharField(max_length=160, unique=True)
    msg_type = models.CharField(max_length=32)
    event = models.CharField(max_length=48, blank=True)
    openid = models.CharField(max_length=64)
    sent_at = models.DateTimeField(help_text="WeChat's CreateTime")
    received_at = models.DateTimeField()
    payload = models.JSONField(default=dict)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=48, blank=True)

    class Meta:
        indexes = [models.Index(fields=["processed_at", "received_at"])]


class WechatQrCode(models.Model):
    """A parametric QR code (带参数二维码) for one of our touchpoints. Its WeChat scene string is
    the touchpoint's scene, so a scan resolves through the same `scene_resolve` as `/s/<scene>`."""

    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", on_delete=models.PROTECT, related_name="wechat_codes"
    )
    permanent = models.BooleanField()
    scene = models.CharField(max_length=64)
    ticket = models.CharField(max_length=255, unique=True)
    url = models.CharField(max_length=255)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    scans = models.PositiveIntegerField(default=0)
    last_scanned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["touchpoint"], condition=Q(permanent=True), name="one_permanent_qr_per_tp"
            ),
            models.CheckConstraint(
                name="temporary_qr_expires",
                condition=Q(permanent=True) | Q(expires_at__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["scene", "created_at"])]


class WechatQrQuota(models.Model):
    """Permanent codes allocated for one account, taken by a conditional UPDATE below the cap
    (WeChat allows 100,000 per account, ever), so parallel requests never pass it."""

    app_id = models.CharField(max_length=64, unique=True)
    permanent_used = models.PositiveIntegerField(default=0)


class WechatUnionidConflict(models.Model):
    """Two members behind one unionid (the follower's member and the one a mini program or
    another account made) that were not merged automatically because both hold a phone and
    the phones differ: for staff to decide (ADR 31). Resolved when staff merge or dismiss."""

    follower = models.ForeignKey(WechatFollower, on_delete=models.CASCADE, related_name="+")
    unionid = models.CharField(max_length=64)
    member = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey("members.Member", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "other"], name="one_unionid_conflict_per_pair"
            )
        ]


class WechatMemberCard(models.Model):
    """A WeChat membership card (会员卡) in a user's card bag, by its code: received
    (`user_get_card`), activated by us with the member's code as membership number (开卡),
    deleted by the user (`user_del_card`)."""

    class State(models.TextChoices):
        RECEIVED = "received", "Received"
        ACTIVE = "active", "Activated"
        DELETED = "deleted", "Deleted"

    card_id = models.CharField(max_length=64)
    code = models.CharField(max_length=64, unique=True)
    openid = models.CharField(max_length=64)
    member = models.ForeignKey(
        "members.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="wechat_cards",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.RECEIVED)
    outer_str = models.CharField(max_length=128, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["member"])]


class WechatSubscription(models.Model):
    """A follower's standing answer for one subscription-notice template (订阅通知), from the
    callback events (ADR 39): accepted in the popup, rejected there, or withdrawn (cancelled in
    WeChat's settings, or WeChat refused a send with 43101). `state_at` is when WeChat said
    so: an older event processed late (the sweep) adds history but does not win."""

    class State(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"
        WITHDRAWN = "withdrawn", "Withdrawn"

    follower = models.ForeignKey(
        WechatFollower, on_delete=models.CASCADE, related_name="subscriptions"
    )
    template_id = models.CharField(max_length=128)
    state = models.CharField(max_length=10, choices=State.choices)
    state_at = models.DateTimeField()
    # One-time subscriptions (一次性订阅, most accounts): each accept in the popup allows one
    # notice; a send takes one (a conditional UPDATE, so parallel senders cannot overspend).
    credits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "template_id"], name="one_subscription_per_template"
            ),
            models.CheckConstraint(
                condition=models.Q(credits__gte=0), name="subscription_credits_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["template_id", "state"])]


class WechatSubscriptionChange(models.Model):
    """The history of a subscription: every answer WeChat reported, in the order it said."""

    subscription = models.ForeignKey(
        WechatSubscription, on_delete=models.CASCADE, related_name="changes"
    )
    state = models.CharField(max_length=10, choices=WechatSubscription.State.choices)
    source = models.CharField(max_length=16, help_text="popup, change, send_refused")
    at = models.DateTimeField()
    detail = models.CharField(max_length=64, blank=True)
