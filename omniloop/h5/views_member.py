"""Joining (phone + one-time code), the membership card and logging out."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from omniloop.attribution.selectors import binding_for
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError
from omniloop.h5.codes import barcode_svg, scalable_svg
from omniloop.h5.errors import TermsRequired, error_context, with_retry_after
from omniloop.h5.mall import mall_path_ok, mall_redirect
from omniloop.h5.session import (
    AFTER_JOIN_KEY,
    SCENE_KEY,
    VISITOR_COOKIE,
    WELCOME_BACK_KEY,
    WELCOME_KEY,
    member_login,
    session_member,
    set_visitor_cookie,
    visitor_key,
)
from omniloop.loyalty.selectors import points_balance
from omniloop.onboarding.services import member_join, otp_send
from omniloop.promotions.selectors import member_usable_coupon_count
from omniloop.touchpoints.qr import qr_svg
from omniloop.touchpoints.services import visitor_get_or_create
from omniloop.wechat.followers import follower_link_by_token, follower_visitor_key

CONSENT_CHANNELS = ("sms", "wechat", "email")


@dataclass
class JoinForm:
    phone: str = ""
    code: str = ""
    name: str = ""
    consents: dict[str, bool] = field(default_factory=dict)
    terms: bool = False

    @classmethod
    def from_post(cls, request: HttpRequest) -> JoinForm:
        post = request.POST
        # Unticked boxes are simply absent: every consent is recorded, as given or refused.
        return cls(
            phone=post.get("phone", "").strip()[:32],
            code=post.get("code", "").strip()[:12],
            name=post.get("name", "").strip()[:50],
            consents={ch: post.get(f"consent_{ch}") == "on" for ch in CONSENT_CHANNELS},
            terms=post.get("terms") == "on",
        )


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        wx = request.GET.get("wx", "")[:512]
        member = session_member(request)
        if member is not None:
            if wx:  # a member opening their WeChat join link: the follower is theirs now
                follower_link_by_token(token=wx, member=member)
            return mall_redirect(request, "card")
        response = render(request, "h5/join.html", {"form": JoinForm()})
        follower_key = follower_visitor_key(token=wx) if wx else None
        if follower_key:
            # Sent from WeChat: join as the follower's visitor, so their scans in WeChat count
            # and the follower is linked to the member on joining (wechat.followers).
            set_visitor_cookie(response, visitor_get_or_create(key=follower_key))
        return response
    form = JoinForm.from_post(request)
    key = visitor_key(request)
    try:
        if not form.terms:
            raise TermsRequired("Please accept the membership terms and privacy policy.")
        result = member_join(
            phone_raw=form.phone,
            code=form.code,
            consents=form.consents,
            visitor=visitor_get_or_create(key=key) if key else None,
            scene=request.session.get(SCENE_KEY),
            name=form.name,
        )
    except ApplicationError as exc:
        if exc.code in ("scene_unknown", "scene_expired"):
            # The code was checked before the one-time code was spent: drop the stale scene so
            # the shopper can simply submit again.
            request.session.pop(SCENE_KEY, None)
        response = render(
            request, "h5/join.html", {"form": form, "error": error_context(exc)}, status=exc.status
        )
        return with_retry_after(response, exc)
    member_login(request, member_id=result.member_id)
    if result.created:
        request.session[WELCOME_KEY] = result.welcome_points
    else:
        request.session[WELCOME_BACK_KEY] = True
    # Sent here from a claim link: back to the coupon (only paths we stored ourselves).
    after = request.session.pop(AFTER_JOIN_KEY, None)
    if mall_path_ok(after):
        return redirect(after)
    return mall_redirect(request, "card")


@require_POST
def join_otp(request: HttpRequest) -> HttpResponse:
    try:
        sent = otp_send(
            phone_raw=request.POST.get("phone", ""), client_key=request.META.get("REMOTE_ADDR", "")
        )
    except ApplicationError as exc:
        response = render(
            request, "h5/_otp_status.html", {"error": error_context(exc)}, status=exc.status
        )
        return with_retry_after(response, exc)
    return render(request, "h5/_otp_status.html", {"sent": sent, "cooldown": 60})


@require_safe
def card(request: HttpRequest) -> HttpResponse:
    member = session_member(request)
    if member is None:
        return mall_redirect(request, "join")
    binding = binding_for(member=member)
    return render(
        request,
        "h5/card.html",
        {
            "brand": brand_settings(),
            "member": member,
            "qr_svg": scalable_svg(qr_svg(member.code, scale=5)),
            "barcode_svg": barcode_svg(member.code),
            "points": points_balance(member_id=member.pk),
            "coupons_usable": member_usable_coupon_count(member_id=member.pk, at=clock.now()),
            "binding": binding,
            "welcome_points": request.session.pop(WELCOME_KEY, None),
            "welcome_back": request.session.pop(WELCOME_BACK_KEY, False),
        },
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    request.session.flush()
    response = mall_redirect(request, "home")
    # The visitor is now linked to the member who left; a fresh one keeps the next person's
    # scans on this phone from being credited to them.
    response.delete_cookie(VISITOR_COOKIE, samesite="Lax")
    return response
