"""Flash sales: list with stock left, detail (claims by state, top claimers), create, pause,
resume and end."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.core.clock import now
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_coupons import FlashSaleForm, add_service_error
from omniloop.dashboard.promotion_lookups import flash_sale_list
from omniloop.promotions.flash import (
    flash_sale_create,
    flash_sale_end,
    flash_sale_pause,
    flash_sale_resume,
)
from omniloop.promotions.flash_report import flash_sale_report
from omniloop.promotions.models import FlashSale


@staff_view("dashboard:flash_sales")
def flash_sales(request: HttpRequest, actor: Actor) -> HttpResponse:
    page = Paginator(flash_sale_list(), 50).get_page(request.GET.get("page"))
    return render(request, "dashboard/promotions/flash_sales.html", {"page": page, "now": now()})


@staff_view("dashboard:flash_sale_detail")
def flash_sale_detail(request: HttpRequest, actor: Actor, flash_sale_id: int) -> HttpResponse:
    report = flash_sale_report(flash_sale_id=flash_sale_id)
    return render(request, "dashboard/promotions/flash_detail.html", {"report": report})


@staff_view("dashboard:flash_sale_create")
def flash_sale_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = FlashSaleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            flash_sale_create(
                name=d["name"],
                sku_id=d["sku"],
                price=d["price"],
                stock=d["stock"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                per_member_limit=d["per_member_limit"],
                hold_minutes=d["hold_minutes"],
                active=d["active"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, _("Flash sale created."))
            return redirect("dashboard:flash_sales")
    return render(
        request,
        "dashboard/promotions/flash_form.html",
        {"form": form},
        status=422 if form.is_bound and form.errors else 200,
    )


def _steer(
    request: HttpRequest, flash_sale_id: int, action: Callable[..., FlashSale], done: str
) -> HttpResponse:
    action(flash_sale_id=flash_sale_id)
    messages.success(request, done)
    return redirect("dashboard:flash_sales")


@require_POST
@staff_view("dashboard:flash_sale_pause")
def flash_sale_pause_view(request: HttpRequest, actor: Actor, flash_sale_id: int) -> HttpResponse:
    return _steer(request, flash_sale_id, flash_sale_pause, _("Flash sale paused."))


@require_POST
@staff_view("dashboard:flash_sale_resume")
def flash_sale_resume_view(request: HttpRequest, actor: Actor, flash_sale_id: int) -> HttpResponse:
    return _steer(request, flash_sale_id, flash_sale_resume, _("Flash sale open for claims."))


@require_POST
@staff_view("dashboard:flash_sale_end")
def flash_sale_end_view(request: HttpRequest, actor: Actor, flash_sale_id: int) -> HttpResponse:
    return _steer(request, flash_sale_id, flash_sale_end, _("Flash sale ended."))
