"""Points (积分): the policy and earn rules (HQ; marketers add rules), adjustments waiting for a
second person (HQ admins and customer service approve), and a request from a member's page."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from omniloop.accounts.access import POINTS_APPROVER_ROLES, Actor
from omniloop.attribution.selectors import access_member
from omniloop.core.errors import ApplicationError
from omniloop.dashboard.access_map import role_may_open
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_points import AdjustmentRequestForm, EarnRuleForm, PointsPolicyForm
from omniloop.loyalty.adjustments import (
    points_adjustment_approve,
    points_adjustment_reject,
    points_adjustment_request,
)
from omniloop.loyalty.earning import points_policy
from omniloop.loyalty.policy import earn_rule_create, earn_rule_set_active, points_policy_update
from omniloop.loyalty.selectors import earn_rules, pending_adjustments


def _overview(
    request: HttpRequest,
    actor: Actor,
    *,
    policy_form: PointsPolicyForm | None = None,
    rule_form: EarnRuleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    policy = points_policy()
    if policy_form is None:
        policy_form = PointsPolicyForm(
            initial={
                "earn_per_yuan": policy.earn_per_yuan,
                "redeem_points_per_yuan": policy.redeem_points_per_yuan,
                "redeem_max_share_pct": policy.redeem_max_share_pct,
                "tier_metric": policy.tier_metric,
                "tier_window_days": policy.tier_window_days,
                "tier_thresholds": json.dumps(policy.tier_thresholds)
                if policy.tier_thresholds
                else "",
            }
        )
    context = {
        "policy": policy,
        "policy_form": policy_form,
        "rule_form": rule_form or EarnRuleForm(),
        "rules": earn_rules(),
        "adjustments": pending_adjustments() if actor.role in POINTS_APPROVER_ROLES else [],
        "can_edit_policy": role_may_open(actor.role, "dashboard:points_policy"),
        "can_add_rules": role_may_open(actor.role, "dashboard:earn_rule_create"),
        "can_approve": actor.role in POINTS_APPROVER_ROLES,
    }
    return render(request, "dashboard/points/overview.html", context, status=status)


@staff_view("dashboard:points")
def points_overview(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _overview(request, actor)


@require_POST
@staff_view("dashboard:points_policy")
def points_policy_edit(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = PointsPolicyForm(request.POST)
    if not form.is_valid():
        return _overview(request, actor, policy_form=form, status=422)
    try:
        with transaction.atomic():
            points_policy_update(**form.cleaned_data)
            audit_change(
                request, actor, "points.policy_update", target_type="points_policy", target_id=1
            )
    except ApplicationError as exc:
        form.add_error(None, _(exc.message))
        return _overview(request, actor, policy_form=form, status=exc.status)
    messages.success(request, _("Points policy saved."))
    return redirect("dashboard:points")


@require_POST
@staff_view("dashboard:earn_rule_create")
def earn_rule_create_view(request: HttpRequest, actor: Actor) -> HttpResponse:
    form = EarnRuleForm(request.POST)
    if not form.is_valid():
        return _overview(request, actor, rule_form=form, status=422)
    data = form.cleaned_data
    try:
        with transaction.atomic():
            rule = earn_rule_create(
                name=data["name"],
                kind=data["kind"],
                multiplier=data["multiplier"],
                bonus_points=data["bonus_points"],
                min_spend=data["min_spend"],
                tier=data["tier"] or "",
                channel_code=data["channel_code"] or "",
                category_code=data["category_code"] or "",
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
            )
            audit_change(
                request,
                actor,
                "points.earn_rule_create",
                target_type="earn_rule",
                target_id=rule.pk,
                summary=rule.name,
            )
    except ApplicationError as exc:
        form.add_error(None, _(exc.message))
        return _overview(request, actor, rule_form=form, status=exc.status)
    messages.success(request, _("Earn rule added."))
    return redirect("dashboard:points")


@require_POST
@staff_view("dashboard:earn_rule_toggle")
def earn_rule_toggle(request: HttpRequest, actor: Actor, rule_id: int) -> HttpResponse:
    active = request.POST.get("active") == "1"
    with transaction.atomic():
        rule = earn_rule_set_active(rule_id=rule_id, active=active)
        audit_change(
            request,
            actor,
            "points.earn_rule_" + ("activate" if active else "deactivate"),
            target_type="earn_rule",
            target_id=rule.pk,
            summary=rule.name,
        )
    return redirect("dashboard:points")


@require_POST
@staff_view("dashboard:points_adjustment_decide")
def points_adjustment_decide(
    request: HttpRequest, actor: Actor, adjustment_id: int
) -> HttpResponse:
    approve = request.POST.get("decision") == "approve"
    try:
        with transaction.atomic():
            if approve:
                points_adjustment_approve(actor=actor, adjustment_id=adjustment_id)
            else:
                points_adjustment_reject(actor=actor, adjustment_id=adjustment_id)
            audit_change(
                request,
                actor,
                "points.adjustment_" + ("approve" if approve else "reject"),
                target_type="points_adjustment",
                target_id=adjustment_id,
            )
    except ApplicationError as exc:
        messages.error(request, _(exc.message))
        return redirect("dashboard:points")
    messages.success(request, _("Adjustment approved.") if approve else _("Adjustment rejected."))
    return redirect("dashboard:points")


@require_POST
@staff_view("dashboard:member_points_adjust")
def member_points_adjust(request: HttpRequest, actor: Actor, member_id: int) -> HttpResponse:
    access_member(actor=actor, member_id=member_id)  # another store's member: 404
    form = AdjustmentRequestForm(request.POST)
    if form.is_valid():
        try:
            with transaction.atomic():
                adjustment = points_adjustment_request(
                    actor=actor,
                    member_id=member_id,
                    points=form.cleaned_data["points"],
                    reason=form.cleaned_data["reason"],
                )
                audit_change(
                    request,
                    actor,
                    "points.adjustment_request",
                    target_type="member",
                    target_id=member_id,
                    summary=f"{adjustment.points:+d}: {adjustment.reason}",
                )
        except ApplicationError as exc:
            messages.error(request, _(exc.message))
        else:
            messages.success(request, _("Adjustment requested; another person must approve it."))
    else:
        messages.error(request, _("Give the points and a reason."))
    return redirect("dashboard:member_detail", member_id=member_id)
