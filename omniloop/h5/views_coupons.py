"""The member's coupon wallet and the claim page behind a claim link or poster QR."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from omniloop.attribution.selectors import binding_for
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.h5.codes import scalable_svg
from omniloop.h5.coupon_terms import offer_scope, offer_terms
from omniloop.h5.errors import error_context, error_page
from omniloop.h5.mall import mall_redirect, mall_url
from omniloop.h5.session import AFTER_JOIN_KEY, session_member
from omniloop.members.models import Member
from omniloop.promotions.codes import display_code
from omniloop.promotions.coupons import coupon_claim
from omniloop.promotions.models import Coupon, CouponTemplate
from omniloop.promotions.selectors import (
    claimable_template_get,
    member_template_coupon_count,
    member_wallet,
)
from omniloop.touchpoints.qr import qr_svg

CLAIMED_KEY = "h5_claimed_coupon"


@dataclass(frozen=True)
class CouponCard:
    """One coupon as the wallet shows it."""

    id: int
    name: str
    terms: str
    scope: str
    description: str
    code: str  # grouped for reading aloud
    qr_svg: str
    valid_from: datetime
    valid_until: datetime | None
    not_started: bool
    held_until: datetime | None
    redeemed_at: datetime | None
    void: bool


def _card(coupon: Coupon, *, at: datetime, with_qr: bool) -> CouponCard:
    offer = coupon.template.offer
    held_until = coupon.reserved_until if coupon.state == Coupon.State.RESERVED else None
    return CouponCard(
        id=coupon.pk,
        name=coupon.template.name,
        terms=offer_terms(offer),
        scope=offer_scope(offer),
        description=offer.description,
        code=display_code(coupon.code),
        # The till scans the bare code; the text shows it grouped for reading aloud.
        qr_svg=scalable_svg(qr_svg(coupon.code, scale=4)) if with_qr else "",
        valid_from=coupon.valid_from,
        valid_until=coupon.valid_until,
        not_started=coupon.valid_from > at,
        held_until=held_until if held_until is not None and held_until > at else None,
        redeemed_at=coupon.redeemed_at,
        void=coupon.state == Coupon.State.VOID,
    )


def member_timezone(member: Member) -> str:
    """Validity is shown in the member's local time: their store's zone, else the brand's."""
    binding = binding_for(member=member)
    return binding.store.timezone if binding and binding.store.timezone else settings.TIME_ZONE


def _join_first(request: HttpRequest, then: str) -> HttpResponse:
    request.session[AFTER_JOIN_KEY] = then
    return mall_redirect(request, "join")


@require_safe
def wallet(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return _join_first(request, mall_url(request, "coupons"))
    at = clock.now()
    found = member_wallet(member_id=member.pk, at=at)
    return render(
        request,
        "h5/coupons.html",
        {
            "usable": [_card(c, at=at, with_qr=True) for c in found.usable],
            "used": [_card(c, at=at, with_qr=False) for c in found.used],
            "expired": [_card(c, at=at, with_qr=False) for c in found.expired],
            "claimed": request.session.pop(CLAIMED_KEY, None),
            "member_tz": member_timezone(member),
        },
    )


def _claim_context(template: CouponTemplate, member: Member | None, via: str) -> dict[str, object]:
    held = (
        member_template_coupon_count(member_id=member.pk, template_id=template.pk) if member else 0
    )
    limit = template.issue_limit
    return {
        "template": template,
        "terms": offer_terms(template.offer),
        "scope": offer_scope(template.offer),
        "member": member,
        "already": member is not None and held >= template.per_member_limit,
        "sold_out": limit is not None and template.issued_count >= limit,
        "closed": not template.active
        or template.offer.status == "ended"
        or (template.valid_until is not None and template.valid_until <= clock.now()),
        "via": via,
        "member_tz": member_timezone(member) if member else settings.TIME_ZONE,
    }


@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest, token: str) -> HttpResponse:
    try:
        template = claimable_template_get(claim_token=token)
    except ApplicationError as exc:
        return error_page(request, exc)
    member = session_member(request)
    via = "scan" if (request.POST or request.GET).get("via") == "scan" else "claim"
    if request.method == "GET":
        return render(request, "h5/coupon_claim.html", _claim_context(template, member, via))
    if member is None:
        return _join_first(request, mall_url(request, "coupon_claim", token))
    try:
        coupon = coupon_claim(claim_token=token, member=member, source=via)
    except ApplicationError as exc:
        context = {**_claim_context(template, member, via), "error": error_context(exc)}
        return render(request, "h5/coupon_claim.html", context, status=exc.status)
    request.session[CLAIMED_KEY] = coupon.pk
    return mall_redirect(request, "coupons")
