from __future__ import annotations

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor, sees_unmasked_phone
from omniloop.accounts.models import Role
from omniloop.accounts.selectors import (
    assistants_for_actor,
    staff_display_names,
    stores_for_actor,
)
from omniloop.attribution.selectors import access_member, binding_for, binding_history
from omniloop.core.errors import PermissionDenied
from omniloop.dashboard.access_map import role_may_open
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_points import AdjustmentRequestForm
from omniloop.dashboard.lookups import member_search, member_timeline
from omniloop.loyalty.selectors import points_balance, points_debt
from omniloop.members.selectors import (
    consent_history,
    member_consents,
    member_identities,
    member_merges,
    member_phone,
    member_phone_masked,
)
from omniloop.messaging.selectors import member_message_log
from omniloop.wechat.selectors import unionid_conflicts_open

PAGE_SIZE = 50


def _user_id(label: str) -> int | None:
    """The user id in an actor label like "user:12"; None for tokens and systems."""
    kind, _, ident = label.partition(":")
    return int(ident) if kind == "user" and ident.isdigit() else None


@staff_view("dashboard:members")
def members(request: HttpRequest, actor: Actor) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    mine = actor.role == Role.ASSISTANT and request.GET.get("mine") == "1"
    qs = member_search(actor=actor, query=query, assistant_id=actor.user_id if mine else None)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/members/list.html",
        {
            "page": page,
            "query": query,
            "mine": mine,
            "is_assistant": actor.role == Role.ASSISTANT,
            "phone_search": sees_unmasked_phone(actor),
        },
    )


@staff_view("dashboard:member_detail")
def member_detail(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    assistants = assistants_for_actor(actor=actor).select_related("store")
    history = list(binding_history(member=member)[:100])
    ids = {uid for uid in (_user_id(h.actor) for h in history) if uid is not None}
    names = staff_display_names(user_ids=ids)
    return render(
        request,
        "dashboard/members/detail.html",
        {
            "member": member,
            "points": points_balance(member_id=member.pk),
            "points_debt": points_debt(member_id=member.pk),
            "can_adjust": role_may_open(actor.role, "dashboard:member_points_adjust"),
            "can_export": role_may_open(actor.role, "dashboard:member_export"),
            "can_erase": role_may_open(actor.role, "dashboard:member_erase"),
            "adjust_form": AdjustmentRequestForm(),
            "phone_masked": member_phone_masked(member=member),
            "can_reveal": sees_unmasked_phone(actor),
            "identities": member_identities(member=member),
            "consents": member_consents(member=member),
            "consent_history": consent_history(member=member)[:50],
            "binding": binding_for(member=member),
            "history": [(h, names.get(_user_id(h.actor) or 0)) for h in history],
            "merges": member_merges(member=member),
            "timeline": member_timeline(member_id=member.pk),
            "stores": stores_for_actor(actor=actor),
            "assistants": assistants,
            "message_log": member_message_log(member_id=member.pk),
            "unionid_conflicts": unionid_conflicts_open(member_id=member.pk),
        },
    )


@require_POST
@staff_view("dashboard:member_phone")
def member_phone_reveal(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    if not sees_unmasked_phone(actor):
        raise PermissionDenied("Your role cannot do this.", code="role_forbidden")
    with transaction.atomic():
        # Recorded before the number leaves: no reveal without its audit event.
        audit_change(
            request, actor, "member.phone_reveal", target_type="member", target_id=member.pk
        )
        phone = member_phone(member=member)
    return render(request, "dashboard/members/_phone.html", {"phone": phone})
