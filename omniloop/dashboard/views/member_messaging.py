"""A member's messaging profile (e-mail address, language of messages), set by staff who may
see personal data in clear. POST-only; audited without the address."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.attribution.selectors import access_member
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.views.member_actions import redirect_to
from omniloop.messaging.services import messaging_profile_set


@require_POST
@staff_view("dashboard:member_messaging")
def member_messaging(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    member = access_member(actor=actor, member_id=member_id)
    language = request.POST.get("language") or None
    # An empty field keeps the address; removing it is its own tick box.
    email = "" if request.POST.get("remove_email") == "1" else request.POST.get("email") or None
    with transaction.atomic():
        messaging_profile_set(member=member, language=language, email=email)
        audit_change(
            request,
            actor,
            "member.messaging_profile",
            target_type="member",
            target_id=member.pk,
            summary=f"language={language or '-'}",
        )
    messages.success(request, _("Saved."))
    url = reverse("dashboard:member_detail", args=[member.pk])
    return redirect_to(request, f"{url}#messages")
