"""The assistant's workbench (导购工作台, ADR 34): phone-first pages for store staff over
`omniloop.workbench` (its templates and static live in that app; these views only read the
request, call one selector or service and render)."""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.core.errors import ApplicationError, NotFound, ValidationFailed
from omniloop.dashboard.decorators import staff_view
from omniloop.touchpoints.qr import qr_png
from omniloop.workbench.cards import poster_svg, qr_card
from omniloop.workbench.members import workbench_member_list, workbench_member_profile
from omniloop.workbench.performance import workbench_performance
from omniloop.workbench.sharing import (
    recent_shares,
    share_coupon,
    share_product,
    shareable_coupon_set,
    shareable_coupons,
    shareable_settings,
)
from omniloop.workbench.tasks import followup_done, followup_tasks


def _int(value: str | None) -> int | None:
    try:
        return int(value or "")
    except ValueError:
        return None


@staff_view("dashboard:workbench")
def workbench_home(request: HttpRequest, actor: Actor) -> HttpResponse:
    tasks = followup_tasks(actor=actor)
    groups = {kind: [t for t in tasks if t.kind == kind] for kind in TASK_ORDER}
    return render(
        request,
        "workbench/home.html",
        {"groups": groups, "count": len(tasks), "tab": "tasks"},
    )


TASK_ORDER = ("birthday", "lapsing", "pickup", "ticket")


@require_POST
@staff_view("dashboard:workbench_task_done")
def workbench_task_done(request: HttpRequest, actor: Actor) -> HttpResponse:
    occasion = request.POST.get("occasion", "")
    if not occasion:
        return render(
            request,
            "dashboard/error.html",
            {"status": 422, "code": "workbench_task_required", "message": _("Choose a task.")},
            status=422,
        )
    followup_done(
        actor=actor, occasion=occasion, note=request.POST.get("note", ""), request=request
    )
    messages.success(request, _("Task done."))
    return redirect("dashboard:workbench")


@staff_view("dashboard:workbench_card")
def workbench_card(request: HttpRequest, actor: Actor) -> HttpResponse:
    card = qr_card(actor=actor)
    return render(
        request,
        "workbench/card.html",
        {"card": card, "qr": mark_safe(card.svg), "tab": "card"},  # noqa: S308 (segno's SVG)
    )


@staff_view("dashboard:workbench_poster")
def workbench_poster(request: HttpRequest, actor: Actor, fmt: str) -> HttpResponse:
    card = qr_card(actor=actor)
    if fmt == "svg":
        body: bytes | str = poster_svg(card=card, language=get_language() or "zh-hans")
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="poster-{card.scene}.svg"'
    elif fmt == "png":
        response = HttpResponse(qr_png(card.url, scale=10), content_type="image/png")
        response["Content-Disposition"] = f'attachment; filename="qr-{card.scene}.png"'
    else:
        raise NotFound("Not found.", code="not_found")
    return response


@staff_view("dashboard:workbench_members")
def workbench_members(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    offset = max(_int(request.GET.get("offset")) or 0, 0)
    rows, more = workbench_member_list(actor=actor, query=query, offset=offset)
    return render(
        request,
        "workbench/members.html",
        {
            "rows": rows,
            "more": more,
            "query": query,
            "next_offset": offset + len(rows),
            "tab": "members",
        },
    )


def _member_page(
    request: HttpRequest, actor: Actor, member_id: int, *, error: ApplicationError | None = None
) -> HttpResponse:
    profile = workbench_member_profile(actor=actor, member_id=member_id)
    return render(
        request,
        "workbench/member.html",
        {
            "m": profile,
            "coupons": shareable_coupons(actor=actor),
            "shares": recent_shares(actor=actor, member_id=profile.member_id),
            "form_token": secrets.token_urlsafe(18),
            "error": _(error.message) if error else "",
            "error_code": error.code if error else "",
            "tab": "members",
        },
        status=error.status if error else 200,
    )


@staff_view("dashboard:workbench_member")
def workbench_member(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    return _member_page(request, actor, member_id)


@require_POST
@staff_view("dashboard:workbench_share_product")
def workbench_share_product(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    try:
        result = share_product(
            actor=actor,
            member_id=member_id,
            style_code=request.POST.get("style_code", ""),
            form_token=request.POST.get("form_token", ""),
            request=request,
        )
    except ApplicationError as exc:
        if exc.status not in (409, 422) and exc.code != "product_not_found":
            raise
        return _member_page(request, actor, member_id, error=_as_422(exc))
    if result.created:
        messages.success(request, _("Product shared: the message is on its way."))
    return redirect("dashboard:workbench_member", member_id=member_id)


@require_POST
@staff_view("dashboard:workbench_share_coupon")
def workbench_share_coupon(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    try:
        result = share_coupon(
            actor=actor,
            member_id=member_id,
            template_id=_int(request.POST.get("template")) or 0,
            form_token=request.POST.get("form_token", ""),
            request=request,
        )
    except ApplicationError as exc:
        if exc.status not in (409, 422) and exc.code != "workbench_coupon_not_shareable":
            raise
        return _member_page(request, actor, member_id, error=_as_422(exc))
    if result.created:
        messages.success(request, _("Coupon given: it is in the member's wallet."))
    return redirect("dashboard:workbench_member", member_id=member_id)


def _as_422(exc: ApplicationError) -> ApplicationError:
    """A product or coupon that is not there, picked in the member's page, is a bad choice on
    the form (422), not a missing page."""
    return ValidationFailed(exc.message, code=exc.code) if exc.status == 404 else exc


@staff_view("dashboard:workbench_performance")
def workbench_performance_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(
        request,
        "workbench/performance.html",
        {"rows": workbench_performance(actor=actor), "tab": "performance"},
    )


@staff_view("dashboard:workbench_coupons")
def workbench_coupons(request: HttpRequest, actor: Actor) -> HttpResponse:
    status = 200
    if request.method == "POST":
        try:
            shareable_coupon_set(
                actor=actor,
                template_id=_int(request.POST.get("template")) or 0,
                monthly_cap=_int(request.POST.get("monthly_cap")) or 0,
                active=request.POST.get("active") == "on",
                request=request,
            )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
            status = 422 if exc.status == 404 else exc.status
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:workbench_coupons")
    return render(request, "workbench/coupons.html", {"rows": shareable_settings()}, status=status)
