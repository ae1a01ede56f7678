"""The audit trail page (审计): HQ admins search who did what, from where, allowed or not."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import staff_display_names
from omniloop.audit.selectors import AuditQuery, audit_action_codes, audit_event_search
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_audit import AuditFilterForm

PAGE_SIZE = 50


@staff_view("dashboard:audit")
def audit_events(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    valid = form.is_valid() if form.is_bound else True
    qs = audit_event_search(query=form.query() if form.is_bound and valid else AuditQuery())
    page = Paginator(qs if valid else qs.none(), PAGE_SIZE).get_page(request.GET.get("page"))
    names = staff_display_names(user_ids={e.actor_user_id for e in page if e.actor_user_id})
    rows = [(e, names.get(e.actor_user_id or 0, "")) for e in page]
    return render(
        request,
        "dashboard/audit/list.html",
        {"form": form, "page": page, "rows": rows, "actions": audit_action_codes()},
        status=200 if valid else 422,
    )
