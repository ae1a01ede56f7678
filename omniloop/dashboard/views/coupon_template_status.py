"""Coupon templates: deactivate, reactivate, and retire (a confirm page that says how many unused
coupons it will void)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.promotion_lookups import coupon_template_for_actor
from omniloop.promotions.coupons import (
    coupon_template_deactivate,
    coupon_template_reactivate,
    coupon_template_retire,
    coupon_template_retire_preview,
)


def _audit(
    request: HttpRequest, actor: Actor, action: str, template_id: int, summary: str = ""
) -> None:
    audit_change(
        request,
        actor,
        action,
        target_type="coupon_template",
        target_id=template_id,
        summary=summary,
    )


@require_POST
@staff_view("dashboard:coupon_template_deactivate")
def template_deactivate(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    with transaction.atomic():
        coupon_template_deactivate(template_id=template.pk)
        _audit(request, actor, "coupon_template.deactivate", template.pk)
    messages.success(
        request, _("Template deactivated: no more coupons are issued; those issued stay valid.")
    )
    return redirect("dashboard:coupon_template_detail", template_id=template.pk)


@require_POST
@staff_view("dashboard:coupon_template_reactivate")
def template_reactivate(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    with transaction.atomic():
        coupon_template_reactivate(template_id=template.pk)
        _audit(request, actor, "coupon_template.reactivate", template.pk)
    messages.success(request, _("Template active again: coupons are issued and claimed."))
    return redirect("dashboard:coupon_template_detail", template_id=template.pk)


@staff_view("dashboard:coupon_template_retire")
def template_retire(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    if request.method != "POST":
        preview = coupon_template_retire_preview(template=template)
        return render(
            request,
            "dashboard/promotions/template_retire.html",
            {"template": template, "preview": preview},
        )
    with transaction.atomic():
        voided = coupon_template_retire(template_id=template.pk)
        _audit(request, actor, "coupon_template.retire", template.pk, f"voided={voided}")
    messages.success(
        request,
        ngettext(
            "Template retired: %(n)s unused coupon voided.",
            "Template retired: %(n)s unused coupons voided.",
            voided,
        )
        % {"n": voided},
    )
    return redirect("dashboard:coupon_template_detail", template_id=template.pk)
