from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    HQ_ADMIN = "hq_admin", "HQ admin"
    MARKETER = "marketer", "Marketer"
    CS_AGENT = "cs_agent", "Customer-service agent"
    STORE_MANAGER = "store_manager", "Store manager"
    ASSISTANT = "assistant", "Shop assistant"


STORE_ROLES = (Role.STORE_MANAGER, Role.ASSISTANT)
HQ_ROLES = (Role.HQ_ADMIN, Role.MARKETER, Role.CS_AGENT)


class User(AbstractUser):
    """A staff account. Store managers and shop assistants (导购) belong to exactly one store."""

    role = models.CharField(max_length=16, choices=Role.choices)
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    display_name = models.CharField(max_length=100, blank=True)
    staff_code = models.CharField(
        max_length=32,
        unique=True,
        null=True,
        blank=True,
        help_text="The code printed on an assistant's card",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="store_staff_have_a_store",
                condition=(
                    Q(role__in=[r.value for r in STORE_ROLES], store__isnull=False)
                    | Q(role__in=[r.value for r in HQ_ROLES], store__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def is_store_staff(self) -> bool:
        return self.role in STORE_ROLES

    @property
    def is_hq(self) -> bool:
        return self.role in HQ_ROLES


class ApiToken(models.Model):
    """A bearer token for a till (bound to one store) or an HQ integration (bound to a role).

    Only a keyed hash of the secret is stored; the secret is shown once, at creation."""

    class Kind(models.TextChoices):
        TILL = "till", "Store till"
        INTEGRATION = "integration", "HQ integration"

    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens"
    )
    role = models.CharField(max_length=16, choices=Role.choices, blank=True)
    prefix = models.CharField(max_length=12)
    secret_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # What this token may do (`accounts.scopes`): a subset of what its kind or role may.
    scopes = models.JSONField(default=list)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="token_till_has_store_integration_has_role",
                condition=(
                    Q(kind="till", store__isnull=False, role="")
                    | Q(kind="integration", store__isnull=True) & ~Q(role="")
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class StaffTotp(models.Model):
    """A staff member's second factor (TOTP, RFC 6238; any authenticator app). The secret is
    encrypted at rest; `last_step` is the last time step accepted, so a code is good once."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret_encrypted = models.BinaryField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_step = models.BigIntegerField(default=0)
    created_at = models.DateTimeField()
