from __future__ import annotations

from django.conf import settings
from django.db import models


class MemberBinding(models.Model):
    """The member's current store and assistant (专属导购), and who recruited them.

    `recruited_*` is set once, at the first binding, and never changes: the assistant who opened
    the card is recorded separately from the current one (as Youzan and Weimob do)."""

    member = models.OneToOneField(
        "members.Member", on_delete=models.CASCADE, related_name="binding"
    )
    store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="bindings")
    assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="bindings",
    )
    bound_at = models.DateTimeField()
    protected_until = models.DateTimeField()
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recruited_store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    recruited_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [
            models.Index(fields=["store", "bound_at"]),
            models.Index(fields=["assistant", "bound_at"]),
        ]


class BindingChange(models.Model):
    """Append-only history of every binding decision that changed something."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "First binding"
        ASSISTANT_ADDED = "assistant_added", "Assistant added"
        TAKEOVER = "takeover", "Taken over after protection"
        REBIND = "rebind", "Re-bound by staff"
        MERGE = "merge", "Carried over by a merge"

    member = models.ForeignKey(
        "members.Member", on_delete=models.CASCADE, related_name="binding_changes"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_store = models.ForeignKey(
        "stores.Store", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_store = models.ForeignKey("stores.Store", on_delete=models.PROTECT, related_name="+")
    to_assistant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=32, help_text="scan, join, till_sale, staff, merge")
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    changed_at = models.DateTimeField()

    class Meta:
        ordering = ["-changed_at", "-pk"]
        indexes = [models.Index(fields=["member", "changed_at"])]
