"""Segments for HQ integrations (/api/v1/segments): preview a rule's count, refresh a saved
segment. Integration tokens of HQ admins and marketers; the rule language is docs/segments.md."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from omniloop.api.auth import TokenAuth
from omniloop.api.schemas import ErrorOut, Strict
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.insights.selectors import as_of_parse, segment_count, segment_get
from omniloop.insights.services import segment_refresh

router = Router(tags=["segments"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut}


class PreviewIn(Strict):
    rule: dict[str, Any] = Field(..., description="A segment rule (docs/segments.md)")
    as_of: str | None = Field(
        None,
        description="ISO date (the end of that day) or time; default now, from the "
        "materialised features",
    )


class PreviewOut(Schema):
    count: int
    as_of: datetime
    source: Literal["features", "orders"] = Field(
        ..., description="features: the materialised table; orders: computed at as_of"
    )


class VersionOut(Schema):
    slug: str
    version: int
    member_count: int
    as_of: datetime
    source: str


@router.post(
    "/segments/preview",
    auth=TokenAuth(scope="segments"),
    response={200: PreviewOut, **ERRORS},
    summary="How many members a rule matches (nothing is saved)",
)
def preview(request: HttpRequest, body: PreviewIn) -> PreviewOut:
    as_of = None
    if body.as_of:
        try:
            as_of = as_of_parse(body.as_of)
        except ValueError as exc:
            raise ValidationFailed(
                "as_of: an ISO 8601 date or time.", code="as_of_invalid", extra={"path": "as_of"}
            ) from exc
    count, ev = segment_count(body.rule, as_of=as_of)
    return PreviewOut(count=count, as_of=ev.as_of, source=ev.source)


@router.post(
    "/segments/{slug}/refresh",
    auth=TokenAuth(scope="segments"),
    response={200: VersionOut, **ERRORS},
    summary="Materialise a saved segment now as a new version",
)
def refresh(request: HttpRequest, slug: str) -> VersionOut:
    segment = segment_get(slug)
    if segment is None:
        raise NotFound("No segment has that slug.", code="segment_not_found")
    version = segment_refresh(segment)
    return VersionOut(
        slug=segment.slug,
        version=version.number,
        member_count=version.member_count,
        as_of=version.as_of,
        source=version.source,
    )
