from __future__ import annotations

import time

import segno
from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.accounts.login_throttle import staff_login_throttle
from omniloop.accounts.models import User
from omniloop.accounts.totp import (
    totp_enrolled,
    totp_enrolment_secret,
    totp_required,
    totp_uri,
    totp_verify,
)
from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record, client_ip
from omniloop.core.errors import RateLimited
from omniloop.dashboard.decorators import staff_view

_login = auth_views.LoginView.as_view(
    template_name="dashboard/login.html", redirect_authenticated_user=True
)
_logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login"))


_PENDING = "omniloop_2fa_pending"


def _audit_login(
    request: HttpRequest,
    *,
    username: str,
    outcome: str,
    code: str = "",
    action: str = "auth.login",
    user: User | None = None,
) -> None:
    user = user or request.user  # type: ignore[assignment]
    assert user is not None
    audit_record(
        action=action,
        actor=actor_for_user(user) if user.is_authenticated else None,  # type: ignore[arg-type]
        request=request,
        target_type="user",
        target_id=user.pk if user.is_authenticated else "",
        summary=f"username={username[:64]}",
        outcome=outcome,
        code=code,
    )


@staff_view("dashboard:login")
def login(request: HttpRequest) -> HttpResponseBase:
    if request.method != "POST" or request.user.is_authenticated:
        return _login(request)
    username = request.POST.get("username", "")[:150]
    locked = _throttled(request, username)
    if locked is not None:
        return locked
    form = AuthenticationForm(request, data=request.POST)
    if not form.is_valid():
        _audit_login(
            request, username=username, outcome=AuditEvent.Outcome.DENIED, code="login_failed"
        )
        return render(request, "dashboard/login.html", {"form": form, "next": _next(request)})
    user = form.get_user()
    if totp_required(user):
        # The password was right; the session is not signed in until the second factor is.
        request.session.cycle_key()
        request.session[_PENDING] = {
            "user": user.pk,
            "at": int(time.time()),
            "next": _next(request),
        }
        _audit_login(
            request,
            username=username,
            outcome=AuditEvent.Outcome.OK,
            code="2fa_pending",
            action="auth.password",
            user=user,
        )
        return redirect("dashboard:login_verify")
    auth_login(request, user)
    _audit_login(request, username=username, outcome=AuditEvent.Outcome.OK)
    return redirect(_next(request) or settings.LOGIN_REDIRECT_URL)


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else ""


def _throttled(request: HttpRequest, username: str) -> HttpResponseBase | None:
    """Counts one attempt (a password or a code) against the address and the username."""
    try:
        staff_login_throttle(username=username, ip=client_ip(request) or "")
    except RateLimited as exc:
        _audit_login(request, username=username, outcome=AuditEvent.Outcome.DENIED, code=exc.code)
        minutes = max(1, (exc.retry_after + 59) // 60)
        locked = render(
            request,
            "dashboard/login.html",
            {
                "form": AuthenticationForm(request),
                "locked": ngettext(
                    "Too many sign-in attempts. Try again in %(minutes)s minute.",
                    "Too many sign-in attempts. Try again in %(minutes)s minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            },
            status=429,
        )
        locked["Retry-After"] = str(exc.retry_after)
        return locked
    return None


def _pending_user(request: HttpRequest) -> tuple[User | None, dict[str, object]]:
    pending = request.session.get(_PENDING) or {}
    fresh = int(time.time()) - int(pending.get("at", 0)) <= settings.OMNILOOP_2FA_PENDING_SECONDS
    user_id = int(pending.get("user") or 0)
    user = User.objects.filter(pk=user_id, is_active=True).first() if fresh and user_id else None
    return user, pending


@staff_view("dashboard:login_verify")
def login_verify(request: HttpRequest) -> HttpResponseBase:
    """The second step for HQ roles: a code from the authenticator app (enrolling on the first
    sign-in, from a QR code shown once)."""
    user, pending = _pending_user(request)
    if user is None or request.user.is_authenticated:
        request.session.pop(_PENDING, None)
        return redirect("dashboard:login")
    enrolling = not totp_enrolled(user)
    error = ""
    if request.method == "POST":
        locked = _throttled(request, user.username)
        if locked is not None:
            return locked
        if totp_verify(user=user, code=request.POST.get("code", "")[:16]):
            request.session.pop(_PENDING, None)
            auth_login(request, user)
            _audit_login(request, username=user.username, outcome=AuditEvent.Outcome.OK)
            return redirect(str(pending.get("next") or "") or settings.LOGIN_REDIRECT_URL)
        _audit_login(
            request,
            username=user.username,
            outcome=AuditEvent.Outcome.DENIED,
            code="2fa_failed",
            action="auth.2fa",
            user=user,
        )
        error = _("That code is not correct or was already used. Enter the current code.")
    context: dict[str, object] = {"enrolling": enrolling, "error": error, "user_name": user}
    if enrolling:
        secret = totp_enrolment_secret(user)
        context["secret"] = secret
        context["qr_svg"] = segno.make(totp_uri(user, secret), error="m").svg_inline(scale=4)
    return render(request, "dashboard/login_verify.html", context, status=400 if error else 200)


@staff_view("dashboard:logout")
def logout(request: HttpRequest, actor: Actor) -> HttpResponseBase:
    return _logout(request)
