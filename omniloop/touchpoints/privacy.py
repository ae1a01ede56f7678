"""A member's scans, for their data export; erasure drops the browsers' user agents."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django_tasks import task

from omniloop.core import clock
from omniloop.members.models import Member
from omniloop.touchpoints.models import ScanEvent


def scans_export(member: Member) -> list[dict[str, Any]]:
    scans = ScanEvent.objects.filter(member=member).select_related("touchpoint", "store")
    return [
        {
            "scanned_at": s.scanned_at.isoformat(),
            "touchpoint": s.touchpoint.label or s.touchpoint.kind,
            "store": s.store.code if s.store else None,
            "user_agent": s.user_agent,
        }
        for s in scans.order_by("scanned_at", "pk")
    ]


def scans_erase(member: Member) -> int:
    return ScanEvent.objects.filter(member=member).exclude(user_agent="").update(user_agent="")


def scans_retention_purge(*, at: datetime | None = None) -> int:
    """Delete raw scan events older than `OMNILOOP_RETENTION_SCAN_DAYS` (bindings keep the
    touchpoint that won a member; aggregates are not kept here). Returns the rows deleted."""
    cutoff = (at or clock.now()) - timedelta(days=settings.OMNILOOP_RETENTION_SCAN_DAYS)
    deleted, _ = ScanEvent.objects.filter(scanned_at__lt=cutoff).delete()
    return deleted


@task(queue_name="default")
def scans_retention_task() -> int:
    return scans_retention_purge()
