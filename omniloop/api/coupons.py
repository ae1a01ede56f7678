"""Coupon templates for HQ integrations (/api/v1/coupon-templates): create a template for a
coupon-only offer, issue it to members in bulk, read its counts. Marketing roles only."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Header, Router, Schema, Status
from pydantic import Field, StrictBool

from omniloop.api.auth import TokenAuth, actor_of
from omniloop.api.idempotent import respond_idempotently
from omniloop.api.schemas import (
    ErrorOut,
    PositiveWholeInt,
    Strict,
    ValidDays,
    WholeInt,
)
from omniloop.core import clock
from omniloop.promotions.coupons import coupon_issue_by_member_codes, coupon_template_create
from omniloop.promotions.models import CouponTemplate
from omniloop.promotions.offers import offer_get
from omniloop.promotions.selectors import coupon_template_counts, coupon_template_get

router = Router(tags=["coupons"])
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


class CouponTemplateIn(Strict):
    """Only the terms. Counters, the claim token and the active flag are never taken from input
    (an unknown field is a 422)."""

    offer_id: WholeInt = Field(..., description="A coupon-only offer")
    name: str = Field(..., min_length=1, max_length=100)
    code_kind: Literal["unique", "shared"] = "unique"
    shared_code: str | None = Field(None, max_length=40, description="Shared templates only")
    shared_code_limit: PositiveWholeInt | None = Field(None, description="Uses of the shared code")
    per_member_limit: WholeInt = Field(1, ge=1, le=1000)
    issue_limit: PositiveWholeInt | None = Field(None, description="Coupons issued in all")
    claimable: StrictBool = Field(False, description="Members may claim it by link or scan")
    welcome: StrictBool = Field(False, description="Issued to every new member on joining")
    valid_from: datetime | None = Field(None, description="ISO 8601 with an offset")
    valid_until: datetime | None = Field(None, description="ISO 8601 with an offset")
    valid_days: ValidDays | None = Field(None, description="Days from issue")
    restore_on_return: StrictBool = True
    reserve_minutes: WholeInt = Field(15, ge=1, le=1440)


class CountsOut(Schema):
    issued: int
    usable: int
    reserved: int
    redeemed: int
    void: int
    shared_code_used: int


class CouponTemplateOut(Schema):
    id: int
    name: str
    offer_id: int
    code_kind: str
    shared_code: str | None
    shared_code_limit: int | None
    per_member_limit: int
    issue_limit: int | None
    claimable: bool
    claim_url: str | None
    welcome: bool
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    restore_on_return: bool
    reserve_minutes: int
    active: bool
    counts: CountsOut


class IssueIn(Strict):
    member_codes: list[str] = Field(..., min_length=1, max_length=1000)


class IssueProblemOut(Schema):
    member_code: str
    code: str


class IssueOut(Schema):
    issued: int
    problems: list[IssueProblemOut]


def _template_out(request: HttpRequest, template: CouponTemplate) -> CouponTemplateOut:
    counts = coupon_template_counts(template=template, at=clock.now())
    claim_url = (
        request.build_absolute_uri(reverse("h5:coupon_claim", args=[template.claim_token]))
        if template.claimable and template.claim_token
        else None
    )
    return CouponTemplateOut(
        id=template.pk,
        name=template.name,
        offer_id=template.offer_id,
        code_kind=template.code_kind,
        shared_code=template.shared_code,
        shared_code_limit=template.shared_code_limit,
        per_member_limit=template.per_member_limit,
        issue_limit=template.issue_limit,
        claimable=template.claimable,
        claim_url=claim_url,
        welcome=template.welcome,
        valid_from=template.valid_from,
        valid_until=template.valid_until,
        valid_days=template.valid_days,
        restore_on_return=template.restore_on_return,
        reserve_minutes=template.reserve_minutes,
        active=template.active,
        counts=CountsOut(**vars(counts)),
    )


@router.post(
    "/coupon-templates",
    auth=TokenAuth(scope="coupons.write"),
    response={201: CouponTemplateOut, **ERRORS},
    summary="Create a coupon template for a coupon-only offer",
)
def create_template(request: HttpRequest, body: CouponTemplateIn) -> Status:
    fields = body.model_dump(exclude={"offer_id"})
    offer = offer_get(actor=actor_of(request), offer_id=body.offer_id)
    template = coupon_template_create(offer=offer, **fields)
    return Status(201, _template_out(request, template))


@router.get(
    "/coupon-templates/{template_id}",
    auth=TokenAuth(scope="coupons.read"),
    response={200: CouponTemplateOut, **ERRORS},
    summary="A coupon template with its issued, used and remaining counts",
)
def get_template(request: HttpRequest, template_id: int) -> CouponTemplateOut:
    return _template_out(request, coupon_template_get(template_id=template_id))


@router.post(
    "/coupon-templates/{template_id}/issue",
    auth=TokenAuth(scope="coupons.write"),
    response={200: IssueOut, **ERRORS},
    summary="Issue one coupon to each listed member (up to 1,000); problems per member",
)
def issue(
    request: HttpRequest,
    response: HttpResponse,
    template_id: int,
    body: IssueIn,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
) -> Status:
    """With an Idempotency-Key a retried request replays the first answer instead of issuing
    again (members whose limit allows more than one coupon would otherwise get a second)."""
    template = coupon_template_get(template_id=template_id)

    def handler() -> tuple[int, dict[str, Any]]:
        report = coupon_issue_by_member_codes(template=template, member_codes=body.member_codes)
        out = IssueOut(
            issued=len(report.issued),
            problems=[
                IssueProblemOut(member_code=p.member_code, code=p.reason) for p in report.problems
            ],
        )
        return 200, json.loads(out.model_dump_json())

    if not idempotency_key:
        status, payload = handler()
        return Status(status, payload)
    return respond_idempotently(request, response, key=idempotency_key, handler=handler)
