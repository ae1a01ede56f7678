"""Data-subject requests from a member's page: export (HQ admins, customer service) and erase
(HQ admins), each audited in its own transaction (ADR 18)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.attribution.selectors import access_member
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.members.privacy import export_csv_zip, member_erase, member_export


@staff_view("dashboard:member_export")
def member_export_view(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    fmt = "csv" if request.GET.get("format") == "csv" else "json"
    member = access_member(actor=actor, member_id=member_id)
    with transaction.atomic():
        audit_change(
            request, actor, "member.export", target_type="member", target_id=member.pk, summary=fmt
        )
        data = member_export(member_id=member.pk)
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, indent=2).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
    else:
        response = HttpResponse(export_csv_zip(data), content_type="application/zip")
    ext = "json" if fmt == "json" else "zip"
    response["Content-Disposition"] = f'attachment; filename="member-{member.code}.{ext}"'
    return response


@require_POST
@staff_view("dashboard:member_erase")
def member_erase_view(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    reason = (request.POST.get("reason") or "").strip()[:200]
    if not reason or request.POST.get("confirm") != "1":
        messages.error(request, _("Give a reason and confirm: an erasure cannot be undone."))
        return redirect("dashboard:member_detail", member_id=member.pk)
    try:
        with transaction.atomic():
            member_erase(member_id=member.pk, reason=reason)
            audit_change(
                request,
                actor,
                "member.erase",
                target_type="member",
                target_id=member.pk,
                summary=reason,
            )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
    else:
        messages.success(request, _("The member's personal data was erased."))
    return redirect("dashboard:member_detail", member_id=member.pk)
