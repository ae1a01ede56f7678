from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse_lazy
from django.utils.translation import ngettext

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.accounts.login_throttle import staff_login_throttle
from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record, client_ip
from omniloop.core.errors import RateLimited
from omniloop.dashboard.decorators import staff_view

_login = auth_views.LoginView.as_view(
    template_name="dashboard/login.html", redirect_authenticated_user=True
)
_logout = auth_views.LogoutView.as_view(next_page=reverse_lazy("dashboard:login"))


def _audit_login(request: HttpRequest, *, username: str, outcome: str, code: str = "") -> None:
    user = request.user
    audit_record(
        action="auth.login",
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
    response = _login(request)
    if request.user.is_authenticated:
        _audit_login(request, username=username, outcome=AuditEvent.Outcome.OK)
    else:
        _audit_login(
            request, username=username, outcome=AuditEvent.Outcome.DENIED, code="login_failed"
        )
    return response


@staff_view("dashboard:logout")
def logout(request: HttpRequest, actor: Actor) -> HttpResponseBase:
    return _logout(request)
