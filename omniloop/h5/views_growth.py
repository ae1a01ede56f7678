"""The growth pages (ADR 32): a member's referral page with their share link and poster QR,
the landing page a shared link opens, and the lottery page."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from omniloop.core.errors import ApplicationError
from omniloop.growth.lottery import lottery_enter, lottery_get
from omniloop.growth.referral import (
    referral_device_seen,
    referral_link_for,
    referral_open,
    referral_program,
)
from omniloop.growth.selectors import (
    lottery_entry_count,
    lottery_entry_of,
    referral_counts,
    referrals_of,
)
from omniloop.h5.codes import scalable_svg
from omniloop.h5.errors import error_context, error_page
from omniloop.h5.mall import mall_redirect, mall_url
from omniloop.h5.session import AFTER_JOIN_KEY, session_member, set_visitor_cookie, visitor_key
from omniloop.touchpoints.qr import qr_svg
from omniloop.touchpoints.services import visitor_get_or_create

# A device cookie that, unlike the visitor cookie, survives logging out: a second person
# joining under a referral from the same phone is then recognised (`duplicate_device`).
DEVICE_COOKIE = "ol_did"
DEVICE_MAX_AGE = 2 * 365 * 24 * 3600
ENTERED_KEY = "h5_lottery_entered"


def _device(request: HttpRequest) -> str:
    raw = request.COOKIES.get(DEVICE_COOKIE, "")
    try:
        return str(uuid.UUID(raw))
    except ValueError:
        return str(uuid.uuid4())


def _set_device(response: HttpResponse, device: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        max_age=DEVICE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def _join_first(request: HttpRequest, then: str) -> HttpResponse:
    request.session[AFTER_JOIN_KEY] = then
    return mall_redirect(request, "join")


@require_safe
def refer(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return _join_first(request, mall_url(request, "refer"))
    link = referral_link_for(member=member)
    device = _device(request)
    referral_device_seen(member=member, device=device)
    url = settings.OMNILOOP_BASE_URL + mall_url(request, "referral_open", link.token)
    response = render(
        request,
        "h5/refer.html",
        {
            "member": member,
            "program": referral_program(),
            "share_url": url,
            "qr_svg": scalable_svg(qr_svg(url, scale=5)),
            "counts": referral_counts(member_id=member.pk),
            "rows": referrals_of(member_id=member.pk),
        },
    )
    _set_device(response, device)
    return response


@require_safe
def referral_landing(request: HttpRequest, token: str) -> HttpResponse:
    visitor = visitor_get_or_create(key=visitor_key(request))
    device = _device(request)
    try:
        link = referral_open(token=token, visitor=visitor, device=device)
    except ApplicationError as exc:
        return error_page(request, exc)
    response = render(
        request,
        "h5/referral_landing.html",
        {
            "referrer_initial": (link.member.name or "")[:1],
            "program": referral_program(),
            "member": session_member(request),
        },
    )
    set_visitor_cookie(response, visitor)
    _set_device(response, device)
    return response


@require_http_methods(["GET", "POST"])
def lottery(request: HttpRequest, lottery_id: int) -> HttpResponse:
    try:
        lot = lottery_get(lottery_id=lottery_id)
    except ApplicationError as exc:
        return error_page(request, exc)
    member = session_member(request)
    error = None
    status = 200
    if request.method == "POST":
        if member is None:
            return _join_first(request, mall_url(request, "lottery", lot.pk))
        try:
            lottery_enter(lottery_id=lot.pk, member=member, source="h5")
        except ApplicationError as exc:
            error, status = error_context(exc), exc.status
        else:
            request.session[ENTERED_KEY] = lot.pk
            return mall_redirect(request, "lottery", lot.pk)
    entry = lottery_entry_of(lottery_id=lot.pk, member_id=member.pk) if member else None
    return render(
        request,
        "h5/lottery.html",
        {
            "lottery": lot,
            "member": member,
            "entry": entry,
            "entries": lottery_entry_count(lottery_id=lot.pk),
            "just_entered": request.session.pop(ENTERED_KEY, None) == lot.pk,
            "error": error,
            "scan_path": reverse("h5:scan", args=[lot.touchpoint.scene]),
        },
        status=status,
    )
