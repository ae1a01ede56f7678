"""The audit trail (审计事件): one append-only row per sensitive read, staff change or refusal."""

from __future__ import annotations

from typing import Any

from django.db import models


class AuditEventImmutable(Exception):
    """Raised when code tries to change or delete an audit event."""


class AuditEvent(models.Model):
    """Who did what to which object, from where, and whether it was allowed.

    Rows are only ever inserted: `save()` refuses updates and `delete()` refuses deletes here,
    and on PostgreSQL a trigger refuses UPDATE and DELETE for every client (migration 0001).
    `summary` never holds personal data in plain text (`audit.services.audit_record` masks
    anything that looks like a phone number)."""

    class Outcome(models.TextChoices):
        OK = "ok", "ok"
        DENIED = "denied", "denied"

    at = models.DateTimeField(db_index=True)
    actor_role = models.CharField(max_length=16, blank=True)
    actor_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_token_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=32, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    summary = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    code = models.CharField(max_length=64, blank=True, help_text="The error code of a refusal")
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditEventImmutable("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditEventImmutable("Audit events are append-only.")
