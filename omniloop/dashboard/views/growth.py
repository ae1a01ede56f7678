"""Growth pages (ADR 32): the referral report and rules, lotteries (create, draw, verify),
the employee-code report, and every staff user's own code."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.accounts.models import User
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_growth import LotteryForm, ReferralProgramForm
from omniloop.growth.employees import employee_code_for
from omniloop.growth.lottery import (
    LotteryInput,
    lottery_create,
    lottery_draw,
    lottery_get,
    lottery_verify,
    lottery_wechat_code,
)
from omniloop.growth.referral import REASONS, referral_program, referral_program_update
from omniloop.growth.referral import Status as ReferralStatus
from omniloop.growth.selectors import (
    employee_report,
    lottery_list,
    lottery_wechat_code_url,
    lottery_winners,
    referral_counts,
    referral_list,
    referral_reasons,
    referrer_leaderboard,
)
from omniloop.touchpoints.qr import qr_png, qr_svg, scan_url


@staff_view("dashboard:growth_referrals")
def referrals(request: HttpRequest, actor: Actor) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in ReferralStatus.values else ""
    program = referral_program()
    form = ReferralProgramForm(
        initial={
            "active": program.active,
            "referrer_points": program.referrer_points,
            "referrer_template": program.referrer_template_id,
            "referee_points": program.referee_points,
            "referee_template": program.referee_template_id,
            "cooling_days": program.cooling_days,
            "monthly_cap": program.monthly_cap,
            "link_days": program.link_days,
        }
    )
    return render(
        request,
        "dashboard/growth/referrals.html",
        {
            "counts": referral_counts(),
            "reasons": referral_reasons(),
            "known_reasons": REASONS,
            "leaders": referrer_leaderboard(),
            "rows": referral_list(status=status or None),
            "status": status,
            "statuses": ReferralStatus.choices,
            "form": form,
        },
    )


@require_POST
@staff_view("dashboard:growth_referral_program")
def referral_program_edit(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = ReferralProgramForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "dashboard/growth/program_form.html",
            {"form": form},
            status=422,
        )
    data = form.cleaned_data
    with transaction.atomic():
        program = referral_program_update(**data)
        audit_change(
            request,
            actor,
            "referral_program.update",
            target_type="referral_program",
            target_id=program.pk,
            summary=(
                f"active={program.active} referrer={program.referrer_points} "
                f"referee={program.referee_points} cooling={program.cooling_days}d "
                f"cap={program.monthly_cap}/month"
            ),
        )
    messages.success(request, _("Referral rules saved."))
    return redirect("dashboard:growth_referrals")


@staff_view("dashboard:growth_lotteries")
def lotteries(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = LotteryForm(request.POST or None)
    error = None
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            with transaction.atomic():
                lot = lottery_create(
                    data=LotteryInput(
                        title=d["title"],
                        title_en=d["title_en"],
                        coupon_template_id=d["coupon_template"].pk,
                        winners=d["winners"],
                        opens_at=d["opens_at"],
                        closes_at=d["closes_at"],
                        requires_follow=d["requires_follow"],
                    ),
                    created_by_id=actor.user_id,
                )
                audit_change(
                    request,
                    actor,
                    "lottery.create",
                    target_type="lottery",
                    target_id=lot.pk,
                    summary=f"{lot.title} winners={lot.winners} commitment={lot.seed_hash[:16]}",
                )
        except ApplicationError as exc:
            error = exc
        else:
            messages.success(request, _("Lottery created. Its seed commitment is published."))
            return redirect("dashboard:growth_lottery", lottery_id=lot.pk)
    return render(
        request,
        "dashboard/growth/lotteries.html",
        {"rows": lottery_list(), "form": form, "error": error},
        status=422 if form.is_bound and (form.errors or error) else 200,
    )


@staff_view("dashboard:growth_lottery")
def lottery_detail(request: HttpRequest, actor: Actor, lottery_id: int) -> HttpResponse:
    lot = lottery_get(lottery_id=lottery_id)
    url = scan_url(lot.touchpoint.scene)
    verification = lottery_verify(lottery_id=lot.pk) if lot.status == "drawn" else None
    wechat_url = lottery_wechat_code_url(lottery=lot)
    return render(
        request,
        "dashboard/growth/lottery.html",
        {
            "lottery": lot,
            "entries": lot.entries.count(),
            "winners": lottery_winners(lottery=lot) if lot.status == "drawn" else [],
            "verification": verification,
            "scan_url": url,
            "h5_url": settings.OMNILOOP_BASE_URL + reverse("h5:lottery", args=[lot.pk]),
            "qr": mark_safe(qr_svg(url, scale=5)),  # noqa: S308 (segno's own SVG)
            "wechat_url": wechat_url,
            "wechat_qr": mark_safe(qr_svg(wechat_url, scale=5)) if wechat_url else "",  # noqa: S308
        },
    )


@require_POST
@staff_view("dashboard:growth_lottery_draw")
def lottery_draw_view(request: HttpRequest, actor: Actor, lottery_id: int) -> HttpResponse:
    lot = lottery_get(lottery_id=lottery_id)
    try:
        with transaction.atomic():
            result = lottery_draw(lottery_id=lot.pk)
            if not result.already_drawn:
                audit_change(
                    request,
                    actor,
                    "lottery.draw",
                    target_type="lottery",
                    target_id=lot.pk,
                    summary=f"entries={len(result.entry_ids)} winners={result.winner_ids}",
                )
    except ApplicationError as exc:
        messages.error(request, f"{exc.message} ({exc.code})")
    else:
        messages.success(request, _("Drawn. The seed is revealed and the winners notified."))
    return redirect("dashboard:growth_lottery", lottery_id=lot.pk)


@require_POST
@staff_view("dashboard:growth_lottery_wechat_code")
def lottery_wechat_code_view(request: HttpRequest, actor: Actor, lottery_id: int) -> HttpResponse:
    lot = lottery_get(lottery_id=lottery_id)
    try:
        with transaction.atomic():
            info = lottery_wechat_code(lottery_id=lot.pk)
            if info.created:
                audit_change(
                    request,
                    actor,
                    "lottery.wechat_code",
                    target_type="lottery",
                    target_id=lot.pk,
                    summary=f"temporary code {info.id} until {info.expires_at}",
                )
    except ApplicationError as exc:
        messages.error(request, f"{exc.message} ({exc.code})")
    else:
        messages.success(request, _("WeChat code ready: followers who scan it enter the lottery."))
    return redirect("dashboard:growth_lottery", lottery_id=lot.pk)


@staff_view("dashboard:growth_employees")
def employees(request: HttpRequest, actor: Actor) -> HttpResponse:
    rows = employee_report(store_id=None if actor.is_hq else actor.store_id)
    return render(request, "dashboard/growth/employees.html", {"rows": rows})


@staff_view("dashboard:growth_my_code")
def my_code(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = User.objects.get(pk=actor.user_id or 0)
    code = employee_code_for(employee=user)
    url = scan_url(code.touchpoint.scene)
    return render(
        request,
        "dashboard/growth/my_code.html",
        {"code": code, "url": url, "qr": mark_safe(qr_svg(url, scale=5))},  # noqa: S308
    )


@staff_view("dashboard:growth_my_code_png")
def my_code_png(request: HttpRequest, actor: Actor) -> HttpResponse:
    user = User.objects.get(pk=actor.user_id or 0)
    code = employee_code_for(employee=user)
    response = HttpResponse(qr_png(scan_url(code.touchpoint.scene)), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="code-{code.touchpoint.scene}.png"'
    return response
