from __future__ import annotations

from datetime import datetime, time
from typing import cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.models import User
from omniloop.accounts.selectors import token_list
from omniloop.accounts.services import token_create, token_revoke
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_touchpoints import TokenCreateForm


@staff_view("dashboard:tokens")
def tokens(request: HttpRequest, actor: Actor) -> HttpResponse:
    page = Paginator(token_list(), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/tokens/list.html", {"page": page})


@staff_view("dashboard:token_create")
def token_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = TokenCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        till = data["kind"] == "till"
        expires_at = None
        if data["expires_on"]:
            expires_at = timezone.make_aware(datetime.combine(data["expires_on"], time.max))
        with transaction.atomic():
            issued = token_create(
                name=data["name"],
                store=data["store"] if till else None,
                role=None if till else data["role"],
                created_by=cast(User, request.user),
                expires_at=expires_at,
                scopes=data["scopes"],
            )
            token = issued.token
            audit_change(
                request,
                actor,
                "api_token.create",
                target_type="api_token",
                target_id=token.pk,
                summary=(
                    f"kind={token.kind} store={token.store_id or '-'} role={token.role or '-'} "
                    f"scopes={','.join(token.scopes)} expires={token.expires_at:%Y-%m-%d}"
                ),
            )
        # The secret is on this response only: never redirected to, never cached.
        response = render(
            request,
            "dashboard/tokens/created.html",
            {"token": issued.token, "secret": issued.secret},
        )
        response["Cache-Control"] = "no-store"
        return response
    return render(
        request,
        "dashboard/tokens/form.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )


@require_POST
@staff_view("dashboard:token_revoke")
def token_revoke_view(request: HttpRequest, actor: Actor, token_id: int) -> HttpResponse:
    with transaction.atomic():
        token = token_revoke(token_id=token_id)
        audit_change(
            request, actor, "api_token.revoke", target_type="api_token", target_id=token.pk
        )
    messages.success(request, _("Token %(name)s revoked.") % {"name": token.name})
    return redirect("dashboard:tokens")
