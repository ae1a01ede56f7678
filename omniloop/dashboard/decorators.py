"""`staff_view(name)`: the only way a dashboard view is exposed.

It looks the URL name up in `access_map` (role check), hands the view the caller's `Actor`, and
turns a domain `ApplicationError` into an error page with the error's status and code, so a
view never needs its own try/except for "another store's member" and the like. Every 403 and
404 it answers is written to the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.access_map import PUBLIC_VIEWS, VIEW_ROLES, is_classified
from omniloop.dashboard.audit import audit_denied

ViewFunc = Callable[..., HttpResponseBase]


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def error_response(request: HttpRequest, *, status: int, code: str, message: str) -> HttpResponse:
    """A full error page, or just the error box when htmx asked for a fragment."""
    template = "dashboard/_error.html" if is_htmx(request) else "dashboard/error.html"
    return render(
        request, template, {"status": status, "code": code, "message": message}, status=status
    )


def staff_view(name: str) -> Callable[[ViewFunc], ViewFunc]:
    if not is_classified(name):
        raise ImproperlyConfigured(f"{name} is not in dashboard.access_map; classify it first.")

    def decorate(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            actor: Actor | None = None
            try:
                if name in PUBLIC_VIEWS:
                    return view(request, *args, **kwargs)
                user = request.user
                if not user.is_authenticated:
                    return redirect_to_login(request.get_full_path())
                actor = actor_for_user(user)  # type: ignore[arg-type]
                if actor.role not in VIEW_ROLES[name]:
                    audit_denied(request, actor, view=name, code="role_forbidden")
                    return error_response(
                        request,
                        status=403,
                        code="role_forbidden",
                        message=_("Your role cannot open this page."),
                    )
                return view(request, actor, *args, **kwargs)
            except ApplicationError as exc:
                if exc.status in (401, 403, 404):
                    audit_denied(request, actor, view=name, code=exc.code)
                return error_response(
                    request, status=exc.status, code=exc.code, message=_(exc.message)
                )

        wrapper.staff_view_name = name  # type: ignore[attr-defined]
        return wrapper

    return decorate
