"""Segments as an offer's scope: the provider `promotions.segments` asks (registered at start).
A member is in a segment when they are in its latest materialised version, so an offer scoped
to a segment follows it as it is refreshed (hourly or on demand), not the live rule."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Subquery

from omniloop.insights.models import Segment, SegmentMember, SegmentVersion


class LatestVersionSegments:
    def member_in(self, member_id: int, slugs: frozenset[str]) -> frozenset[str]:
        latest = SegmentVersion.objects.filter(segment=OuterRef("pk")).order_by("-number")
        rows = (
            Segment.objects.filter(slug__in=slugs)
            .annotate(latest=Subquery(latest.values("pk")[:1]))
            .filter(
                Exists(
                    SegmentMember.objects.filter(version_id=OuterRef("latest"), member_id=member_id)
                )
            )
            .values_list("slug", flat=True)
        )
        return frozenset(rows)

    def known(self, slugs: Iterable[str]) -> frozenset[str]:
        return frozenset(Segment.objects.filter(slug__in=set(slugs)).values_list("slug", flat=True))
