"""Coupon templates: list with counts, create (for a coupon-only offer) and edit, detail with
issuing to pasted member codes, and the claim link with its QR code. Deactivating and retiring
are in `coupon_template_status`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.core.clock import now
from omniloop.core.errors import ApplicationError, NotFound
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_coupons import CouponTemplateForm, IssueForm, add_service_error
from omniloop.dashboard.offer_text import offer_text
from omniloop.dashboard.promotion_lookups import (
    claim_url,
    coupon_template_for_actor,
    coupon_template_list,
)
from omniloop.promotions.coupon_values import IssueReport
from omniloop.promotions.coupons import (
    coupon_issue_by_member_codes,
    coupon_template_create,
    coupon_template_update,
)
from omniloop.promotions.models import CouponTemplate
from omniloop.promotions.selectors import coupon_template_counts
from omniloop.touchpoints.qr import qr_png, qr_svg


@staff_view("dashboard:coupon_templates")
def templates(request: HttpRequest, actor: Actor) -> HttpResponse:
    page = Paginator(coupon_template_list(actor=actor), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/promotions/templates.html", {"page": page, "now": now()})


def _form_page(
    request: HttpRequest,
    actor: Actor,
    form: CouponTemplateForm,
    template: CouponTemplate | None,
    save: Callable[[], CouponTemplate],
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                saved = save()
                audit_change(
                    request,
                    actor,
                    "coupon_template.update" if template else "coupon_template.create",
                    target_type="coupon_template",
                    target_id=saved.pk,
                    summary=f"offer={saved.offer_id}",
                )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, _("Coupon template saved.") if template else _("Coupon template created.")
            )
            return redirect("dashboard:coupon_template_detail", template_id=saved.pk)
    return render(
        request,
        "dashboard/promotions/template_form.html",
        {"form": form, "template": template},
        status=422 if form.is_bound and form.errors else 200,
    )


@staff_view("dashboard:coupon_template_create")
def template_create(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = CouponTemplateForm(request.POST or None, initial={"offer": request.GET.get("offer")})
    return _form_page(request, actor, form, None, lambda: coupon_template_create(**form.terms()))


@staff_view("dashboard:coupon_template_edit")
def template_edit(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    form = CouponTemplateForm(request.POST or None, template=template)
    return _form_page(
        request,
        actor,
        form,
        template,
        lambda: coupon_template_update(template_id=template.pk, **form.terms()),
    )


def _detail(
    request: HttpRequest,
    template: CouponTemplate,
    *,
    form: IssueForm | None = None,
    report: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    link = claim_url(template.claim_token) if template.claimable and template.claim_token else ""
    return render(
        request,
        "dashboard/promotions/template_detail.html",
        {
            "template": template,
            "offer_text": offer_text(template.offer),
            "counts": coupon_template_counts(template=template, at=now()),
            "claim_link": link,
            "claim_svg": mark_safe(qr_svg(link, scale=5)) if link else "",  # noqa: S308
            "form": form or IssueForm(),
            "report": report,
        },
        status=status,
    )


@staff_view("dashboard:coupon_template_detail")
def template_detail(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    return _detail(request, coupon_template_for_actor(actor=actor, template_id=template_id))


def _report(result: IssueReport) -> dict[str, Any]:
    reasons = {
        "member_not_found": _("No active member with this code."),
        "coupon_member_limit": _("Already holds as many as allowed."),
        "coupon_issue_limit_reached": _("No coupons left to give out."),
    }
    problems = [(p.member_code, reasons.get(p.reason, p.reason)) for p in result.problems]
    return {"issued": len(result.issued), "problems": problems}


@require_POST
@staff_view("dashboard:coupon_template_issue")
def template_issue(request: HttpRequest, actor: Actor, template_id: int) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    form = IssueForm(request.POST)
    if not form.is_valid():
        return _detail(request, template, form=form, status=422)
    try:
        result = coupon_issue_by_member_codes(
            template=template, member_codes=form.cleaned_data["member_codes"], source="bulk"
        )
    except ApplicationError as exc:
        form.add_error("member_codes", _(exc.message))
        return _detail(request, template, form=form, status=exc.status)
    template.refresh_from_db()
    return _detail(request, template, form=IssueForm(), report=_report(result))


@staff_view("dashboard:coupon_template_qr")
def template_qr(request: HttpRequest, actor: Actor, template_id: int, fmt: str) -> HttpResponse:
    template = coupon_template_for_actor(actor=actor, template_id=template_id)
    if not (template.claimable and template.claim_token) or fmt not in ("png", "svg"):
        raise NotFound("Not found.", code="not_found")
    link = claim_url(template.claim_token)
    if fmt == "png":
        response = HttpResponse(qr_png(link), content_type="image/png")
    else:
        response = HttpResponse(qr_svg(link, title=template.name), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="coupon-{template.pk}.{fmt}"'
    return response


__all__ = [
    "template_create",
    "template_detail",
    "template_edit",
    "template_issue",
    "template_qr",
    "templates",
]
