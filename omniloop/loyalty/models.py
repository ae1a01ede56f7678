from __future__ import annotations

from django.db import models


class PointsEntry(models.Model):
    """An immutable points movement. The balance is the sum; a unique `ref` makes every award
    idempotent (a retried welcome or sale never pays twice). The orders issue extends this into
    a full double-entry ledger with expiry lots."""

    member = models.ForeignKey(
        "members.Member", on_delete=models.PROTECT, related_name="points_entries"
    )
    delta = models.IntegerField()
    kind = models.CharField(max_length=16, help_text="welcome, purchase, refund, adjust...")
    ref = models.CharField(max_length=100, unique=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["member", "created_at"])]
