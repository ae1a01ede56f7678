"""What the H5 pages keep about a shopper between requests: the visitor cookie (an anonymous
browser, so scans made before joining can be credited later) and the session keys."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from omniloop.core.errors import NotFound
from omniloop.members.models import Member
from omniloop.members.selectors import member_by_code, member_get
from omniloop.touchpoints.models import Visitor

VISITOR_COOKIE = "ol_vid"
VISITOR_MAX_AGE = 365 * 24 * 3600
MEMBER_KEY = "h5_member_id"
SCENE_KEY = "h5_scene"
SCENE_AT_KEY = "h5_scene_at"  # when that scan happened (ISO), for scan-to-buy
WELCOME_KEY = "h5_welcome_points"
WELCOME_BACK_KEY = "h5_welcome_back"
AFTER_JOIN_KEY = "h5_after_join"  # a path of ours to return to (a claim page) after joining


def visitor_key(request: HttpRequest) -> str | None:
    return request.COOKIES.get(VISITOR_COOKIE) or None


def set_visitor_cookie(response: HttpResponse, visitor: Visitor) -> None:
    response.set_cookie(
        VISITOR_COOKIE,
        visitor.key,
        max_age=VISITOR_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


def session_member(request: HttpRequest) -> Member | None:
    """The member logged in on this browser. A merged member's session follows the survivor; an
    erased (or deleted) member's session is dropped."""
    member_id = request.session.get(MEMBER_KEY)
    if not member_id:
        return None
    try:
        member: Member | None = member_get(member_id=int(member_id))
    except (NotFound, TypeError, ValueError):
        member = None
    if member is not None and member.status == Member.Status.MERGED:
        member = member_by_code(code=member.code)
    if member is None or member.status != Member.Status.ACTIVE:
        request.session.pop(MEMBER_KEY, None)
        return None
    if member.pk != member_id:
        request.session[MEMBER_KEY] = member.pk
    return member


def member_login(request: HttpRequest, *, member_id: int) -> None:
    # A new session key on login, so a key planted before login is worthless afterwards.
    request.session.cycle_key()
    request.session[MEMBER_KEY] = member_id
