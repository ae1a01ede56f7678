"""Saving and materialising segments: versions refreshed on schedule and on demand."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Max

from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.insights.models import Segment, SegmentMember, SegmentVersion
from omniloop.insights.ready_made import ready_made_segments
from omniloop.insights.rule_sql import Source
from omniloop.insights.selectors import rule_check, segment_evaluation

KEEP_VERSIONS = 5


def segment_save(
    *,
    slug: str,
    name: str,
    rule: Any,
    name_en: str = "",
    description: str = "",
    refresh_every_hours: int = 24,
) -> Segment:
    """Create or change a segment (by slug); the rule is validated first."""
    rule_check(rule)
    if not name.strip():
        raise ValidationFailed("A segment needs a name.", code="segment_name_required")
    if not 0 <= refresh_every_hours <= 24 * 31:
        raise ValidationFailed("Refresh every 0-744 hours.", code="segment_refresh_invalid")
    segment, _ = Segment.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name.strip()[:100],
            "name_en": name_en.strip()[:100],
            "description": description[:300],
            "rule": rule,
            "refresh_every_hours": refresh_every_hours,
        },
    )
    return segment


def segments_install_ready_made() -> int:
    """Create the ready-made segments that are missing (a brand's edits are kept)."""
    created = 0
    for spec in ready_made_segments():
        _, made = Segment.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "name_en": spec.get("name_en", ""),
                "description": spec.get("description", ""),
                "rule": spec["rule"],
                "ready_made": True,
            },
        )
        created += made
    return created


@transaction.atomic
def segment_refresh(
    segment: Segment,
    *,
    as_of: datetime | None = None,
    source: Source | None = None,
    trigger: str = "demand",
) -> SegmentVersion:
    """Materialise the segment as a new version: its members in one INSERT ... SELECT."""
    segment = Segment.objects.select_for_update().get(pk=segment.pk)
    ev = segment_evaluation(segment.rule, as_of=as_of, source=source, select="f.member_id")
    number = (segment.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = SegmentVersion.objects.create(
        segment=segment,
        number=number,
        rule=segment.rule,
        as_of=ev.as_of,
        source=ev.source,
        member_count=0,
        trigger=trigger,
        created_at=clock.now(),
    )
    table = SegmentMember._meta.db_table
    sql = ev.sql.replace("SELECT f.member_id", "SELECT %(version_id)s, f.member_id", 1)
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} (version_id, member_id) {sql}",
            {**ev.params, "version_id": version.pk},
        )
        version.member_count = cur.rowcount
    version.save(update_fields=["member_count"])
    segment.refreshed_at = version.created_at
    segment.save(update_fields=["refreshed_at"])
    stale = segment.versions.filter(number__lte=number - KEEP_VERSIONS)
    SegmentMember.objects.filter(version__in=stale).delete()
    stale.delete()
    return version


def segments_refresh_due() -> int:
    """Refresh every segment whose schedule has come round (the hourly periodic job)."""
    now = clock.now()
    done = 0
    for segment in Segment.objects.filter(refresh_every_hours__gt=0):
        due = segment.refreshed_at is None or segment.refreshed_at <= now - timedelta(
            hours=segment.refresh_every_hours
        )
        if due:
            segment_refresh(segment, trigger="schedule")
            done += 1
    return done
