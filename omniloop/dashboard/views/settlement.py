"""Settlement (结算): the ledger per store and per assistant per period with a CSV export, the
assistants' O2O performance (业绩), and HQ's rules page (splits, commission, closing periods)."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from omniloop.accounts.access import Actor
from omniloop.dashboard.audit import audit_change
from omniloop.dashboard.decorators import staff_view
from omniloop.dashboard.forms_settlement import CloseForm, CommissionForm, SplitForm, percent_to_bp
from omniloop.dashboard.labels import label_for
from omniloop.settlement.periods import (
    closed_periods,
    parse_period,
    period_bounds,
    previous_period,
    settlement_period_close,
)
from omniloop.settlement.rules import (
    commission_rule_set,
    commission_rules_current,
    settlement_rule_set,
    settlement_rules_current,
)
from omniloop.settlement.selectors import (
    current_period,
    o2o_performance,
    settlement_by_assistant,
    settlement_by_store,
    settlement_periods,
)
from omniloop.settlement.values import Shares


def _period(request: HttpRequest) -> tuple[date, list[date]]:
    today = current_period()
    periods = settlement_periods(today_period=today)
    period = parse_period(request.GET.get("period"), today)
    return (period if period in periods else today), periods


def _name(user: object) -> str:
    return str(getattr(user, "display_name", "") or getattr(user, "username", ""))


@staff_view("dashboard:settlement")
def settlement(request: HttpRequest, actor: Actor) -> HttpResponse:
    period, periods = _period(request)
    stores = settlement_by_store(actor=actor, period=period)
    return render(
        request,
        "dashboard/settlement/report.html",
        {
            "period": period,
            "periods": periods,
            "closed": period in closed_periods(),
            "stores": stores,
            "assistants": settlement_by_assistant(actor=actor, period=period),
            "total": sum((r.net for r in stores), Decimal("0.00")),
        },
    )


@staff_view("dashboard:settlement_export")
def settlement_export(request: HttpRequest, actor: Actor) -> HttpResponse:
    period, _periods = _period(request)
    table = "assistants" if request.GET.get("table") == "assistants" else "stores"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="settlement-{table}-{period:%Y-%m}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 Chinese names correctly with a BOM
    out = csv.writer(response)
    if table == "stores":
        out.writerow(["period", "store_code", "store", "orders", "sales", "refunds", "net"])
        for s in settlement_by_store(actor=actor, period=period):
            out.writerow(
                [
                    f"{period:%Y-%m}",
                    s.store.code if s.store else "",
                    s.store.name if s.store else _("Unattributed (HQ)"),
                    s.orders,
                    s.sales,
                    s.refunds,
                    s.net,
                ]
            )
    else:
        out.writerow(
            [
                "period",
                "staff_code",
                "assistant",
                "store_code",
                "orders",
                "sales",
                "refunds",
                "net",
                "commission",
            ]
        )
        for a in settlement_by_assistant(actor=actor, period=period):
            out.writerow(
                [
                    f"{period:%Y-%m}",
                    a.assistant.staff_code or "",
                    _name(a.assistant),
                    a.store.code if a.store else "",
                    a.orders,
                    a.sales,
                    a.refunds,
                    a.net,
                    a.commission,
                ]
            )
    return response


@staff_view("dashboard:o2o_performance")
def settlement_performance(request: HttpRequest, actor: Actor) -> HttpResponse:
    period, periods = _period(request)
    rows = o2o_performance(actor=actor, period=period)
    return render(
        request,
        "dashboard/settlement/performance.html",
        {
            "period": period,
            "periods": periods,
            "rows": rows,
            "totals": {
                "recruited": sum(r.recruited for r in rows),
                "online_sales": sum((r.online_sales for r in rows), Decimal("0.00")),
                "pickups": sum(r.pickups for r in rows),
                "commission": sum((r.commission for r in rows), Decimal("0.00")),
            },
        },
    )


def _closable() -> list[tuple[str, str]]:
    closed = closed_periods()
    p, out = previous_period(current_period()), []
    for _i in range(12):
        if p not in closed:
            out.append((f"{p:%Y-%m}", f"{p:%Y-%m}"))
        p = previous_period(p)
    return out


@staff_view("dashboard:settlement_rules")
def settlement_rules(request: HttpRequest, actor: Actor) -> HttpResponse:
    posted = request.POST.get("form") if request.method == "POST" else None
    split = SplitForm(request.POST if posted == "split" else None)
    commission = CommissionForm(request.POST if posted == "commission" else None)
    close = CloseForm(request.POST if posted == "close" else None, periods=_closable())
    if posted == "split" and split.is_valid():
        d = split.cleaned_data
        shares = Shares(
            credited=percent_to_bp(d["credited"]),
            ordering=percent_to_bp(d["ordering"]),
            fulfilling=percent_to_bp(d["fulfilling"]),
        )
        with transaction.atomic():
            rule = settlement_rule_set(
                actor=actor, flow=d["flow"], shares=shares, enabled=d["enabled"], note=d["note"]
            )
            audit_change(
                request,
                actor,
                "settlement.rule_set",
                target_type="settlement_rule",
                target_id=rule.pk,
                summary=f"{rule.flow}: credited {shares.credited} ordering {shares.ordering} "
                f"fulfilling {shares.fulfilling} bp, enabled {rule.enabled}",
            )
        messages.success(
            request,
            _("New split for %(flow)s saved; it applies to orders paid from now on.")
            % {"flow": label_for("settlement_flow", rule.flow)},
        )
        return redirect("dashboard:settlement_rules")
    if posted == "commission" and commission.is_valid():
        d = commission.cleaned_data
        with transaction.atomic():
            crule = commission_rule_set(
                actor=actor,
                flow=d["flow"],
                category_id=d["category"].pk if d["category"] else None,
                rate_bp=percent_to_bp(d["rate"]),
                active=d["active"],
            )
            audit_change(
                request,
                actor,
                "settlement.commission_set",
                target_type="commission_rule",
                target_id=crule.pk,
                summary=f"{crule.flow or '*'} / {crule.category_id or '*'}: {crule.rate_bp} bp, "
                f"active {crule.active}",
            )
        messages.success(request, _("Commission rate saved; it applies from now on."))
        return redirect("dashboard:settlement_rules")
    if posted == "close" and close.is_valid():
        period = parse_period(close.cleaned_data["period"], current_period())
        with transaction.atomic():
            closing = settlement_period_close(actor=actor, period=period)
            audit_change(
                request,
                actor,
                "settlement.period_close",
                target_type="settlement_period",
                target_id=closing.pk,
                summary=f"{period:%Y-%m}",
            )
        messages.success(request, _("Period %(period)s closed.") % {"period": f"{period:%Y-%m}"})
        return redirect("dashboard:settlement_rules")
    bound = split if posted == "split" else commission if posted == "commission" else close
    status = 422 if posted and bound.errors else 200
    return render(
        request,
        "dashboard/settlement/rules.html",
        {
            "rules": settlement_rules_current(),
            "commission_rules": commission_rules_current(),
            "closed": sorted(closed_periods(), reverse=True)[:12],
            "split_form": split,
            "commission_form": commission,
            "close_form": close,
            "this_month": period_bounds(current_period())[0],
        },
        status=status,
    )
