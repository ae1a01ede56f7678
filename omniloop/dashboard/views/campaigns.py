"""Campaigns (营销活动): the list, a new draft from a playbook, approval and sending, and the
closed-loop report with its charts (ECharts, options built here as JSON)."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from omniloop.accounts.access import Actor
from omniloop.campaigns.journeys import StepSpec, journey_counts, journey_save, journey_steps
from omniloop.campaigns.models import Campaign, JourneyStep
from omniloop.campaigns.playbooks import PLAYBOOKS, campaign_from_playbook
from omniloop.campaigns.report import campaign_report
from omniloop.campaigns.selectors import (
    campaign_coupon_choices,
    campaign_get,
    campaign_list,
    campaign_store_choices,
    campaign_store_get,
)
from omniloop.campaigns.services import (
    campaign_approve,
    campaign_clone,
    campaign_launch,
    campaign_submit,
)
from omniloop.campaigns.tasks import campaign_fanout_task
from omniloop.core.errors import PermissionDenied, ValidationFailed
from omniloop.dashboard.decorators import staff_view
from omniloop.messaging.selectors import CHANNEL_LABELS


@staff_view("dashboard:campaigns")
def campaigns(request: HttpRequest, actor: Actor) -> HttpResponse:
    return render(request, "dashboard/campaigns/list.html", {"rows": campaign_list()[:200]})


def _int_or_none(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationFailed(_("Enter a whole number."), code="number_invalid") from exc


def _schedule_from_post(request: HttpRequest) -> dict[str, Any]:
    """The schedule, when the form overrides the playbook's: recurring (how often, the
    brand-local hour, the weekday or day of the month, per run) or triggered (what, and N)."""
    kind = request.POST.get("schedule", "").strip()
    if not kind:
        return {}
    out: dict[str, Any] = {"schedule": kind}
    if kind == Campaign.Schedule.RECURRING:
        out["recurrence"] = request.POST.get("recurrence", "").strip()
        out["run_hour"] = _int_or_none(request.POST.get("run_hour", "")) or 0
        out["run_day"] = _int_or_none(request.POST.get("run_day", "")) or 1
        out["per_run"] = request.POST.get("per_run") == "on"
    elif kind == Campaign.Schedule.TRIGGERED:
        out["trigger"] = request.POST.get("trigger", "").strip()
        out["trigger_value"] = _int_or_none(request.POST.get("trigger_value", "")) or 0
    return out


@staff_view("dashboard:campaign_new")
def campaign_new(request: HttpRequest, actor: Actor) -> HttpResponse:
    templates = campaign_coupon_choices()
    if request.method == "POST":
        template_id = _int_or_none(request.POST.get("coupon_template", ""))
        template = next((t for t in templates if t.pk == template_id), None)
        money = request.POST.get("max_discount", "").strip()
        try:
            max_fen = int(Decimal(money) * 100) if money else None
            share = Decimal(request.POST.get("holdout_percent", "10") or "10") / 100
        except InvalidOperation as exc:
            raise ValidationFailed(_("Enter an amount."), code="amount_invalid") from exc
        store_id = _int_or_none(request.POST.get("store", ""))
        extra: dict[str, Any] = {}
        if store_id is not None:
            extra["store"] = campaign_store_get(store_id)
        radius = request.POST.get("radius_km", "").strip()
        if radius:
            try:
                extra["radius_km"] = Decimal(radius).quantize(Decimal("0.1"))
            except InvalidOperation as exc:
                raise ValidationFailed(_("Enter a distance."), code="radius_invalid") from exc
        extra.update(_schedule_from_post(request))
        c = campaign_from_playbook(
            actor=actor,
            key=request.POST.get("playbook", ""),
            coupon_template=template,
            **extra,
            max_coupons=_int_or_none(request.POST.get("max_coupons", "")),
            max_discount_fen=max_fen,
            holdout_share=share.quantize(Decimal("0.001")),
            holdout_reason=request.POST.get("holdout_reason", "").strip()[:200],
        )
        messages.success(request, _("Draft saved."))
        return redirect("dashboard:campaign_detail", campaign_id=c.pk)
    chosen = request.GET.get("playbook", "")
    store = _int_or_none(request.GET.get("store", ""))
    return render(
        request,
        "dashboard/campaigns/new.html",
        {
            "playbooks": PLAYBOOKS,
            "templates": templates,
            "stores": campaign_store_choices(),
            "chosen": chosen if any(p.key == chosen for p in PLAYBOOKS) else PLAYBOOKS[0].key,
            "chosen_store": store,
            "schedules": Campaign.Schedule.choices,
            "recurrences": Campaign.Recurrence.choices,
            "triggers": Campaign.Trigger.choices,
        },
    )


def _charts(report: dict[str, Any]) -> dict[str, Any]:
    """ECharts options: the funnel (messages by channel, then coupons) and the lift."""
    funnel = report.get("funnel") or {}
    stages = ["queued", "sent", "delivered", "opened", "clicked"]
    labels = [
        pgettext("campaign funnel", "Queued"),
        pgettext("campaign funnel", "Sent"),
        pgettext("campaign funnel", "Delivered"),
        pgettext("campaign funnel", "Opened"),
        pgettext("campaign funnel", "Clicked"),
        pgettext("campaign funnel", "Claimed"),
        pgettext("campaign funnel", "Redeemed"),
    ]
    series = [
        {
            "name": str(CHANNEL_LABELS.get(channel, channel)),
            "type": "bar",
            "stack": "messages",
            "data": [counts.get(s, 0) for s in stages] + [0, 0],
        }
        for channel, counts in sorted(funnel.items())
    ]
    series.append(
        {
            "name": _("Coupons"),
            "type": "bar",
            "stack": "messages",
            "data": [0] * len(stages) + [report.get("claimed", 0), report.get("redeemed", 0)],
        }
    )
    grid = {"containLabel": True, "left": 8, "right": 8, "top": 32, "bottom": 8}
    out: dict[str, Any] = {
        "funnel": {
            "animation": False,
            "tooltip": {},
            "legend": {"top": 0},
            "grid": grid,
            "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 0}},
            "yAxis": {"type": "value"},
            "series": series,
        }
    }
    revenue = report.get("revenue")
    if revenue:
        out["lift"] = {
            "animation": False,
            "tooltip": {},
            "grid": grid,
            "xAxis": {"type": "category", "data": [_("Treated"), _("Holdout")]},
            "yAxis": {"type": "value"},
            "series": [
                {
                    "name": _("Revenue per member (¥)"),
                    "type": "bar",
                    "data": [revenue["treated_mean"], revenue["holdout_mean"]],
                }
            ],
        }
    return out


@staff_view("dashboard:campaign_detail")
def campaign_detail(request: HttpRequest, actor: Actor, campaign_id: int) -> HttpResponse:
    c = campaign_get(campaign_id)
    report = campaign_report(c) if c.launched_at else None
    context = {
        "c": c,
        "report": report,
        "charts": _charts(report) if report else {},
        "funnel_rows": [
            (CHANNEL_LABELS.get(channel) or _("Not yet sent"), counts)
            for channel, counts in sorted((report or {}).get("funnel", {}).items())
        ],
        "can_approve": actor.role == "hq_admin" and c.status == Campaign.Status.PENDING,
        "can_send": actor.role == "hq_admin" and c.status == Campaign.Status.APPROVED,
        "can_submit": c.status == Campaign.Status.DRAFT,
        "journey": journey_counts(c.pk),
        "runs": list(c.runs.all()[:50]),
        "can_edit_journey": c.status in (Campaign.Status.DRAFT, Campaign.Status.PENDING),
        "committed_yuan": Decimal(c.discount_committed_fen) / 100,
        "budget_yuan": None if c.max_discount_fen is None else Decimal(c.max_discount_fen) / 100,
    }
    return render(request, "dashboard/campaigns/detail.html", context)


@require_POST
@staff_view("dashboard:campaign_action")
def campaign_action(request: HttpRequest, actor: Actor, campaign_id: int) -> HttpResponse:
    c = campaign_get(campaign_id)
    action = request.POST.get("action", "")
    if action == "submit":
        campaign_submit(actor=actor, campaign=c)
        messages.success(request, _("Submitted for approval."))
    elif action == "approve":
        campaign_approve(actor=actor, campaign=c)
        messages.success(request, _("Approved."))
    elif action == "send":
        if actor.role != "hq_admin":
            raise PermissionDenied(_("Only HQ sends."), code="campaign_forbidden")
        with transaction.atomic():
            campaign_launch(campaign=c)
            transaction.on_commit(lambda: campaign_fanout_task.enqueue(c.pk))
        messages.success(request, _("Sending: coupons and messages are on their way."))
    elif action == "clone":
        clone = campaign_clone(actor=actor, campaign=c)
        messages.success(request, _("A copy is saved as a draft."))
        return redirect("dashboard:campaign_detail", campaign_id=clone.pk)
    else:
        raise ValidationFailed(_("Unknown action."), code="action_unknown")
    return redirect("dashboard:campaign_detail", campaign_id=c.pk)


JOURNEY_ROWS_EXTRA = 3


def _steps_from_post(request: HttpRequest) -> list[StepSpec]:
    """The editor's rows, in order; a row without a kind is left out."""
    steps = []
    for i in range(int(request.POST.get("rows", "0") or 0)):
        kind = request.POST.get(f"kind-{i}", "").strip()
        if not kind:
            continue
        rule_text = request.POST.get(f"rule-{i}", "").strip()
        rule: Any = None
        if rule_text:
            try:
                rule = json.loads(rule_text)
            except ValueError as exc:
                raise ValidationFailed(_("The rule is not valid JSON."), code="rule_json") from exc
        steps.append(
            StepSpec(
                kind=kind,
                wait_hours=_int_or_none(request.POST.get(f"wait-{i}", "")) or 0,
                condition=request.POST.get(f"condition-{i}", "").strip(),
                rule=rule,
                negate=request.POST.get(f"negate-{i}") == "on",
                with_coupon=request.POST.get(f"coupon-{i}") == "on",
                title=request.POST.get(f"title-{i}", ""),
                body=request.POST.get(f"body-{i}", ""),
            )
        )
    return steps


@staff_view("dashboard:campaign_journey")
def campaign_journey(request: HttpRequest, actor: Actor, campaign_id: int) -> HttpResponse:
    """The journey editor (旅程): the steps in order, each a row of the one form."""
    c = campaign_get(campaign_id)
    if request.method == "POST":
        journey_save(actor=actor, campaign=c, steps=_steps_from_post(request))
        messages.success(request, _("Journey saved."))
        return redirect("dashboard:campaign_detail", campaign_id=c.pk)
    steps = journey_steps(c.pk)
    rows: list[dict[str, Any]] = [
        {
            "kind": s.kind,
            "wait": s.wait_hours or "",
            "condition": s.condition,
            "rule": json.dumps(s.rule, ensure_ascii=False) if s.rule is not None else "",
            "negate": s.negate,
            "coupon": s.with_coupon,
            "title": s.title,
            "body": s.body,
        }
        for s in steps
    ]
    rows += [{"kind": ""} for _ in range(JOURNEY_ROWS_EXTRA)]
    return render(
        request,
        "dashboard/campaigns/journey.html",
        {
            "c": c,
            "rows": rows,
            "kinds": JourneyStep.Kind.choices,
            "editable": c.status in (Campaign.Status.DRAFT, Campaign.Status.PENDING),
        },
    )
