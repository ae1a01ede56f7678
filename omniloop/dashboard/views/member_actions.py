"""Staff actions on a member: re-bind and merge. Both are POST-only and answer htmx with a
redirect (success) or an error fragment carrying the domain error code."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.selectors import store_for_actor
from omniloop.attribution.selectors import access_member
from omniloop.attribution.services import binding_rebind
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import is_htmx, staff_view
from omniloop.members.selectors import member_by_code
from omniloop.members.services import member_merge


def _int_or_none(raw: str | None) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise ValidationFailed(_("The form is not valid."), code="form_invalid")
    return int(raw)


def redirect_to(request: HttpRequest, url: str) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse()
        response["HX-Redirect"] = url
        return response
    return redirect(url)


@require_POST
@staff_view("dashboard:member_rebind")
def member_rebind(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    store_id = _int_or_none(request.POST.get("store"))
    if store_id is None:
        raise ValidationFailed(_("Choose a store."), code="store_required")
    # Another store's id is a 404, exactly as the service would report it.
    store = store_for_actor(actor=actor, store_id=store_id)
    assistant_id = _int_or_none(request.POST.get("assistant"))
    with transaction.atomic():
        binding_rebind(
            actor=actor,
            member=member,
            store_id=store.pk,
            assistant_id=assistant_id,
            reason=request.POST.get("reason", "")[:300],
        )
        # The reason is free text and may name people: it stays in BindingChange only.
        audit_change(
            request,
            actor,
            "member.rebind",
            target_type="member",
            target_id=member.pk,
            summary=f"store={store.pk} assistant={assistant_id or '-'}",
        )
    messages.success(request, _("The member was re-bound."))
    return redirect_to(request, reverse("dashboard:member_detail", args=[member.pk]))


@require_POST
@staff_view("dashboard:member_merge")
def member_merge_view(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    code = request.POST.get("other_code", "").strip()
    if not code:
        raise ValidationFailed(
            _("Enter the code of the member to merge."), code="merge_code_required"
        )
    other = member_by_code(code=code)
    if other is None:
        raise NotFound(_("No member has this code."), code="member_not_found")
    other = access_member(actor=actor, member_id=other.pk)
    with transaction.atomic():
        outcome = member_merge(
            survivor_id=member.pk,
            merged_id=other.pk,
            actor=f"user:{actor.user_id}",
            reason=request.POST.get("reason", "")[:300],
        )
        audit_change(
            request,
            actor,
            "member.merge",
            target_type="member",
            target_id=member.pk,
            summary=f"merged={other.pk}",
        )
    template = (
        "dashboard/members/_merge_outcome.html"
        if is_htmx(request)
        else "dashboard/members/merge_done.html"
    )
    response = render(request, template, {"member": member, "other": other, "outcome": outcome})
    if is_htmx(request):
        # Errors land under the form; the outcome replaces the whole form.
        response["HX-Retarget"] = "#merge-result"
    return response
