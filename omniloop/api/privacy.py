"""Data-subject requests for HQ integrations (a CRM or a ticketing tool answering a member's
request): export one member's data, erase a member. Both are audited (ADR 18)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.schemas import ErrorOut, Strict
from omniloop.audit.services import audit_record
from omniloop.members.privacy import member_erase, member_export, privacy_subject

router = Router(tags=["privacy"])
ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class EraseIn(Strict):
    reason: str = Field(..., min_length=1, max_length=200)


class EraseOut(Schema):
    member_code: str
    already_erased: bool
    identities_removed: int
    identifiers_suppressed: int
    changed: dict[str, int]


@router.get(
    "/members/{member_code}/export",
    auth=TokenAuth(scope="members.export"),
    response={200: dict[str, Any], **ERRORS},
    summary="Everything held about one member, by section (a data-subject access request)",
)
def export(request: HttpRequest, member_code: str) -> dict[str, Any]:
    member = privacy_subject(member_code=member_code)
    with transaction.atomic():
        audit_record(
            action="member.export",
            actor=actor_of(request),
            request=request,
            target_type="member",
            target_id=member.pk,
        )
        return member_export(member_id=member.pk)


@router.post(
    "/members/{member_code}/erase",
    auth=TokenAuth(scope="members.erase"),
    response={200: EraseOut, **ERRORS},
    summary="Erase a member's personal data; keep pseudonymous records; suppress identifiers",
)
def erase(request: HttpRequest, member_code: str, body: EraseIn) -> EraseOut:
    member = privacy_subject(member_code=member_code)
    with transaction.atomic():
        report = member_erase(member_id=member.pk, reason=body.reason)
        audit_record(
            action="member.erase",
            actor=actor_of(request),
            request=request,
            target_type="member",
            target_id=member.pk,
            summary=body.reason,
        )
    return EraseOut(
        member_code=report.member_code,
        already_erased=report.already_erased,
        identities_removed=report.identities,
        identifiers_suppressed=report.suppressed,
        changed=report.changed,
    )
