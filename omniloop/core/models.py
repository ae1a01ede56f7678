from __future__ import annotations

from django.db import models


class BrandSettings(models.Model):
    """The brand's own configuration. One row (pk=1): an Omniloop deployment serves one brand."""

    class BindingMode(models.TextChoices):
        FIRST_TOUCH = "first_touch", "First touch, kept until re-bound by staff"
        TAKEOVER_AFTER_PROTECTION = (
            "takeover_after_protection",
            "First touch; another store or assistant may take over after the protection period",
        )

    name = models.CharField(max_length=100, default="Omniloop Demo")
    name_en = models.CharField(max_length=100, blank=True)
    timezone = models.CharField(max_length=64, default="Asia/Shanghai")
    welcome_points = models.PositiveIntegerField(default=100)
    binding_mode = models.CharField(
        max_length=32, choices=BindingMode.choices, default=BindingMode.TAKEOVER_AFTER_PROTECTION
    )
    protection_days = models.PositiveIntegerField(default=90)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "brand settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="brand_settings_singleton")
        ]

    def __str__(self) -> str:
        return self.name


class RateLimitCounter(models.Model):
    """A fixed-window counter. Incremented with a conditional UPDATE, so it never overshoots."""

    key = models.CharField(max_length=200)
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]
        indexes = [models.Index(fields=["window_start"])]


class IdempotencyRecord(models.Model):
    """The stored response of a retried-safe request, scoped per caller (API token)."""

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(default=0)
    response_body = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_scope_key")
        ]
        indexes = [models.Index(fields=["created_at"])]


class PeriodicJob(models.Model):
    """The schedule of one registered periodic job (`core.periodic`): when it is next due and
    what was enqueued last. A scheduler claims a run with one conditional UPDATE on `runs`
    (`core.scheduler`), so concurrent schedulers enqueue each run once."""

    name = models.CharField(max_length=64, unique=True)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_enqueued_task = models.CharField(max_length=64, blank=True)
    runs = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name
