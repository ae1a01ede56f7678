"""The customer-service inbox (客服工作台): the queue, one ticket (reply, note, assign,
remedy, resolve), store staff's notes, the reports and the service targets. Store staff see
their store's tickets only (`inbox.access`); the services decide everything."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import stores_for_actor
from omniloop.core import clock
from omniloop.core.errors import ApplicationError, NotFound, ValidationFailed
from omniloop.dashboard.access_map import role_may_open
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.inbox.access import INBOX_HQ_ROLES, access_ticket
from omniloop.inbox.intake import store_note_create
from omniloop.inbox.models import (
    CannedReply,
    Category,
    Channel,
    Priority,
    Remedy,
    Status,
    TicketPhoto,
)
from omniloop.inbox.photos import photo_bytes
from omniloop.inbox.remedies import (
    RemedyRequest,
    remedies_pending_for,
    remedy_approve,
    remedy_limit_fen,
    remedy_reject,
    remedy_request,
)
from omniloop.inbox.reports import inbox_report
from omniloop.inbox.selectors import TicketFilters, canned_replies, ticket_detail, ticket_queue
from omniloop.inbox.services import (
    canned_reply_save,
    canned_reply_set_active,
    ticket_assign,
    ticket_note,
    ticket_reply,
    ticket_resolve,
)
from omniloop.inbox.targets import service_policy, service_policy_update
from omniloop.members.selectors import member_by_code
from omniloop.promotions.models import CouponTemplate


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


@staff_view("dashboard:inbox")
def inbox(request: HttpRequest, actor: Actor) -> HttpResponse:
    filters = TicketFilters(
        status=request.GET.get("status", "open")[:12],
        priority=_int(request.GET.get("priority")),
        channel=request.GET.get("channel", "")[:16],
        escalated=request.GET.get("escalated") == "1",
        query=request.GET.get("q", "").strip()[:40],
    )
    tickets = list(ticket_queue(actor=actor, filters=filters)[:200])
    return render(
        request,
        "dashboard/inbox/queue.html",
        {
            "tickets": tickets,
            "filters": filters,
            "now": clock.now(),
            "priorities": Priority.choices,
            "channels": Channel.choices,
            "statuses": Status.choices,
            "pending_remedies": remedies_pending_for(actor=actor),
            "can_report": role_may_open(actor.role, "dashboard:inbox_report"),
            "can_canned": role_may_open(actor.role, "dashboard:inbox_canned"),
            "can_policy": role_may_open(actor.role, "dashboard:inbox_policy"),
        },
    )


@staff_view("dashboard:inbox_ticket")
def inbox_ticket(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    view = ticket_detail(actor=actor, ticket_id=ticket_id)
    ticket = view.ticket
    return render(
        request,
        "dashboard/inbox/ticket.html",
        {
            "v": view,
            "t": ticket,
            "now": clock.now(),
            "canned": canned_replies(category=ticket.category),
            "templates": CouponTemplate.objects.filter(active=True).select_related("offer")[:50],
            "limit_fen": remedy_limit_fen(actor.role),
            "stores": stores_for_actor(actor=actor).order_by("code") if actor.is_hq else [],
            "is_hq": actor.role in INBOX_HQ_ROLES,
            "pending": [r for r in view.remedies if r.state == Remedy.State.PENDING],
            "can_decide": {r.pk for r in remedies_pending_for(actor=actor)},
        },
    )


def _back(ticket_id: int) -> HttpResponse:
    return redirect("dashboard:inbox_ticket", ticket_id=ticket_id)


def _act(
    request: HttpRequest, ticket_id: int, fn: Callable[[], None], success: str
) -> HttpResponse:
    try:
        with transaction.atomic():
            fn()
    except ApplicationError as exc:
        if exc.status == 404:
            raise
        messages.error(request, _(exc.message))
        return _back(ticket_id)
    messages.success(request, success)
    return _back(ticket_id)


@require_POST
@staff_view("dashboard:inbox_reply")
def inbox_reply(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    def go() -> None:
        msg = ticket_reply(actor=actor, ticket_id=ticket_id, body=request.POST.get("body", ""))
        audit_change(
            request,
            actor,
            "inbox.reply",
            target_type="ticket",
            target_id=ticket_id,
            summary=msg.via,
        )

    return _act(request, ticket_id, go, _("Reply sent."))


@require_POST
@staff_view("dashboard:inbox_note")
def inbox_note(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    def go() -> None:
        ticket_note(actor=actor, ticket_id=ticket_id, body=request.POST.get("body", ""))

    return _act(request, ticket_id, go, _("Note added."))


@require_POST
@staff_view("dashboard:inbox_assign")
def inbox_assign(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    def go() -> None:
        access_ticket(actor=actor, ticket_id=ticket_id)  # another store's ticket: 404 first
        choice = request.POST.get("store", "")
        if not choice:
            raise ValidationFailed("Choose a store or HQ.", code="assign_required")
        store_id = None if choice == "hq" else _int(choice)
        if choice != "hq" and store_id is None:
            raise ValidationFailed("Unknown store.", code="store_not_found")
        if store_id is not None and not stores_for_actor(actor=actor).filter(pk=store_id).exists():
            raise ValidationFailed("Unknown store.", code="store_not_found")
        ticket_assign(actor=actor, ticket_id=ticket_id, store_id=store_id)
        audit_change(
            request,
            actor,
            "inbox.assign",
            target_type="ticket",
            target_id=ticket_id,
            summary=f"store:{store_id}",
        )

    return _act(request, ticket_id, go, _("Assigned."))


@require_POST
@staff_view("dashboard:inbox_resolve")
def inbox_resolve(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    close = request.POST.get("close") == "1"

    def go() -> None:
        ticket_resolve(actor=actor, ticket_id=ticket_id, close=close)
        audit_change(
            request,
            actor,
            "inbox.close" if close else "inbox.resolve",
            target_type="ticket",
            target_id=ticket_id,
        )

    return _act(request, ticket_id, go, _("Closed.") if close else _("Resolved."))


@require_POST
@staff_view("dashboard:inbox_remedy")
def inbox_remedy(request: HttpRequest, actor: Actor, ticket_id: int) -> HttpResponse:
    result: list[Remedy] = []

    def go() -> None:
        kind = request.POST.get("kind", "")
        req = RemedyRequest(
            kind=kind,
            coupon_template_id=_int(request.POST.get("template")),
            points=_int(request.POST.get("points")) or 0 if kind == Remedy.Kind.POINTS else 0,
        )
        remedy = remedy_request(actor=actor, ticket_id=ticket_id, request=req)
        audit_change(
            request,
            actor,
            "inbox.remedy",
            target_type="ticket",
            target_id=ticket_id,
            summary=f"{remedy.kind} {remedy.value_fen} {remedy.state}",
        )
        result.append(remedy)

    response = _act(request, ticket_id, go, "")
    if result and result[0].state == Remedy.State.PENDING:
        messages.warning(request, _("Above your limit: it waits for a higher role's approval."))
    elif result:
        messages.success(request, _("Granted: it is in the member's account."))
    return response


@require_POST
@staff_view("dashboard:inbox_remedy_decide")
def inbox_remedy_decide(request: HttpRequest, actor: Actor, remedy_id: int) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    remedy = Remedy.objects.filter(pk=remedy_id).values_list("ticket_id", flat=True).first()
    try:
        with transaction.atomic():
            done = (remedy_approve if approve else remedy_reject)(actor=actor, remedy_id=remedy_id)
            audit_change(
                request,
                actor,
                "inbox.remedy_decide",
                target_type="remedy",
                target_id=remedy_id,
                summary=done.state,
            )
    except ApplicationError as exc:
        if exc.status == 404 or remedy is None:
            raise
        messages.error(request, _(exc.message))
        return redirect("dashboard:inbox")
    messages.success(request, _("Approved and granted.") if approve else _("Rejected."))
    return _back(done.ticket_id)


@staff_view("dashboard:inbox_photo")
def inbox_photo(request: HttpRequest, actor: Actor, photo_id: int) -> HttpResponse:
    photo = TicketPhoto.objects.filter(pk=photo_id).first()
    if photo is None:
        raise NotFound("Photo not found.", code="photo_not_found")
    access_ticket(actor=actor, ticket_id=photo.ticket_id)
    response = HttpResponse(photo_bytes(photo), content_type=photo.content_type)
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    return response


@require_http_methods(["GET", "POST"])
@staff_view("dashboard:inbox_new_note")
def inbox_new_note(request: HttpRequest, actor: Actor) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            with transaction.atomic():
                code = request.POST.get("member", "").strip()
                member = member_by_code(code=code) if code else None
                if code and member is None:
                    raise ValidationFailed("No member has that number.", code="member_not_found")
                ticket = store_note_create(
                    actor=actor,
                    body=request.POST.get("body", ""),
                    member_id=member.pk if member else None,
                    category=request.POST.get("category", ""),
                )
                audit_change(
                    request, actor, "inbox.store_note", target_type="ticket", target_id=ticket.pk
                )
            messages.success(request, _("Noted: ticket %(n)s.") % {"n": ticket.number})
            return redirect("dashboard:inbox_ticket", ticket_id=ticket.pk)
        except ApplicationError as exc:
            if exc.status == 404:
                raise
            error = _(exc.message)
    return render(
        request,
        "dashboard/inbox/new_note.html",
        {"categories": Category.choices, "error": error, "post": request.POST},
        status=422 if error else 200,
    )


@staff_view("dashboard:inbox_report")
def inbox_report_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    days = min(max(_int(request.GET.get("days")) or 30, 1), 366)
    until = clock.now()
    report = inbox_report(actor=actor, since=until - timedelta(days=days), until=until)
    top = max([n for _, n in report.distribution] or [0]) or 1
    return render(
        request,
        "dashboard/inbox/report.html",
        {"r": report, "days": days, "top": top, "categories": dict(Category.choices)},
    )


POLICY_FIELDS = (
    "urgent_first_minutes",
    "high_first_minutes",
    "normal_first_minutes",
    "low_first_minutes",
    "urgent_resolve_hours",
    "high_resolve_hours",
    "normal_resolve_hours",
    "low_resolve_hours",
    "escalate_at_percent",
)


@require_http_methods(["GET", "POST"])
@staff_view("dashboard:inbox_policy")
def inbox_policy(request: HttpRequest, actor: Actor) -> HttpResponse:
    error = ""
    if request.method == "POST":
        values: dict[str, object] = {}
        try:
            for name in POLICY_FIELDS:
                number = _int(request.POST.get(name))
                if number is None:
                    raise ValidationFailed("Targets are whole numbers.", code="policy_invalid")
                values[name] = number
            values["opens_at"] = time.fromisoformat(request.POST.get("opens_at", ""))
            values["closes_at"] = time.fromisoformat(request.POST.get("closes_at", ""))
            values["weekdays"] = "".join(request.POST.getlist("weekdays"))
            with transaction.atomic():
                service_policy_update(values=values)
                audit_change(
                    request, actor, "inbox.policy", target_type="service_policy", target_id=1
                )
            messages.success(request, _("Service targets saved."))
            return redirect("dashboard:inbox_policy")
        except ValueError:
            error = _("Give times as HH:MM.")
        except ApplicationError as exc:
            error = _(exc.message)
    return render(
        request,
        "dashboard/inbox/policy.html",
        {"p": service_policy(), "error": error, "days": "1234567"},
        status=422 if error else 200,
    )


@require_http_methods(["GET", "POST"])
@staff_view("dashboard:inbox_canned")
def inbox_canned(request: HttpRequest, actor: Actor) -> HttpResponse:
    error = ""
    if request.method == "POST":
        try:
            with transaction.atomic():
                reply = canned_reply_save(
                    title=request.POST.get("title", ""),
                    body=request.POST.get("body", ""),
                    category=request.POST.get("category", ""),
                )
                audit_change(
                    request,
                    actor,
                    "inbox.canned_save",
                    target_type="canned_reply",
                    target_id=reply.pk,
                )
            messages.success(request, _("Canned reply saved."))
            return redirect("dashboard:inbox_canned")
        except ApplicationError as exc:
            error = _(exc.message)
    return render(
        request,
        "dashboard/inbox/canned.html",
        {
            "replies": CannedReply.objects.order_by("-active", "category", "title"),
            "categories": Category.choices,
            "error": error,
            "post": request.POST if error else {},
        },
        status=422 if error else 200,
    )


@require_POST
@staff_view("dashboard:inbox_canned_toggle")
def inbox_canned_toggle(request: HttpRequest, actor: Actor, reply_id: int) -> HttpResponse:
    with transaction.atomic():
        canned_reply_set_active(reply_id=reply_id, active=request.POST.get("active") == "1")
        audit_change(
            request, actor, "inbox.canned_toggle", target_type="canned_reply", target_id=reply_id
        )
    return redirect("dashboard:inbox_canned")
