from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor, access_store
from omniloop.accounts.models import Role
from omniloop.accounts.selectors import staff_list
from omniloop.accounts.services import staff_create
from omniloop.core.errors import PermissionDenied
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms import StaffCreateForm


@staff_view("dashboard:staff")
def staff(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "dashboard/staff/list.html", {"staff": staff_list(actor=actor)})


@staff_view("dashboard:staff_create")
def staff_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = StaffCreateForm(request.POST or None, actor=actor)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        store = data["store"]
        if actor.role != Role.HQ_ADMIN:
            # The form only offers this; the check keeps a hand-made POST honest too.
            if data["role"] != Role.ASSISTANT:
                raise PermissionDenied("Your role cannot do this.", code="role_forbidden")
            access_store(actor, store.pk if store else None)
        with transaction.atomic():
            user = staff_create(
                username=data["username"],
                password=data["password"],
                role=data["role"],
                store=store,
                display_name=data["display_name"],
                staff_code=(data["staff_code"] or None) if data["role"] == Role.ASSISTANT else None,
            )
            audit_change(
                request,
                actor,
                "staff.create",
                target_type="user",
                target_id=user.pk,
                summary=f"role={user.role} store={user.store_id or '-'}",
            )
        messages.success(request, _("Staff account %(name)s created.") % {"name": user})
        return redirect("dashboard:staff")
    return render(
        request,
        "dashboard/staff/form.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )
