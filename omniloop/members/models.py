from __future__ import annotations

from django.db import models

MEMBER_TIERS = ("standard", "silver", "gold", "platinum")  # lowest first


class Member(models.Model):
    """One shopper across every store, mall and marketplace. Identities hang off it."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        MERGED = "merged", "Merged into another member"
        ERASED = "erased", "Erased"

    class Gender(models.TextChoices):
        UNKNOWN = "", "Unknown"
        FEMALE = "f", "Female"
        MALE = "m", "Male"

    code = models.CharField(
        max_length=16, unique=True, help_text="Shown as QR and barcode at the till"
    )
    external_ref = models.CharField(
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text="The brand's own member number (member_ref in imports)",
    )
    name = models.CharField(max_length=50, blank=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, blank=True, default="")
    birth_date = models.DateField(null=True, blank=True)
    city = models.CharField(max_length=50, blank=True)
    tier = models.CharField(
        max_length=16,
        default="standard",
        help_text="standard, silver, gold, platinum: kept by loyalty rules",
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    join_source = models.CharField(
        max_length=32, blank=True, help_text="scan, till, import, wechat, marketplace..."
    )
    joined_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["joined_at"]), models.Index(fields=["status"])]

    def __str__(self) -> str:
        return self.code


class IdentityKind(models.TextChoices):
    PHONE = "phone", "Phone"
    WECHAT_OPENID = "wechat_openid", "WeChat openid"
    WECHAT_UNIONID = "wechat_unionid", "WeChat unionid"
    MARKETPLACE_BUYER = "marketplace_buyer", "Marketplace buyer id"
    STORE_CARD = "store_card", "Store card number"


class MemberIdentity(models.Model):
    """An identifier that leads to a member, unique per kind and namespace.

    For phones `value` is the keyed blind index, `cipher` the AES-GCM ciphertext and `masked`
    the display form for staff: no phone number is stored in plaintext anywhere."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(max_length=24, choices=IdentityKind.choices)
    namespace = models.CharField(
        max_length=64, blank=True, default="", help_text="WeChat appid, marketplace channel code..."
    )
    value = models.CharField(max_length=128)
    cipher = models.BinaryField(null=True, blank=True)
    masked = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "namespace", "value"], name="identity_unique_per_kind"
            )
        ]
        indexes = [models.Index(fields=["member", "kind"])]


class ConsentChannel(models.TextChoices):
    WECHAT = "wechat", "WeChat"
    SMS = "sms", "SMS"
    EMAIL = "email", "E-mail"


class ConsentRecord(models.Model):
    """Append-only: each grant or withdrawal is a row; the latest per channel is in force."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(max_length=8, choices=ConsentChannel.choices)
    granted = models.BooleanField()
    source = models.CharField(max_length=64, help_text="join_form, till, import, staff:<id>...")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "pk"]
        indexes = [models.Index(fields=["member", "channel", "recorded_at"])]


class MemberMerge(models.Model):
    survivor = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="merges_in")
    merged = models.OneToOneField(Member, on_delete=models.PROTECT, related_name="merge_out")
    actor = models.CharField(max_length=64)
    reason = models.CharField(max_length=300)
    moved = models.JSONField(default=dict)
    merged_at = models.DateTimeField()


class OtpChallenge(models.Model):
    """A one-time code sent by SMS. Only its keyed hash is kept."""

    phone_index = models.CharField(max_length=64, db_index=True)
    code_hash = models.CharField(max_length=64)
    purpose = models.CharField(max_length=16, default="join")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    consumed_at = models.DateTimeField(null=True, blank=True)
