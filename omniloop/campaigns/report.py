"""The closed-loop report (ADR 30): the funnel sent -> delivered -> opened/clicked -> claimed ->
redeemed by channel, store and assistant; treated against holdout visits and revenue per member
over the window with the Welch interval; incremental revenue, discount cost, ROI.

Everything is read from rows that never move with later member changes: the campaign's frozen
members (`CampaignMember`), its messages (`cause = campaign:<id>`), its coupons and their
redemptions, and orders of those members placed inside the window. Before the window closes
the figures are provisional (`final = False`); closing writes them once to `CampaignResult`
and from then on that snapshot is the report."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Q, Sum

from omniloop.campaigns.estimator import welch
from omniloop.campaigns.models import Campaign, CampaignMember, CampaignResult
from omniloop.core import clock
from omniloop.messaging.models import Message, MessageEvent
from omniloop.orders.models import Order
from omniloop.promotions.models import Redemption

COUNTED_ORDER = ("paid", "ready", "shipped", "completed", "refunded")
CENT = Decimal("0.01")
SMALL_HOLDOUT = 300
COMPARED = {"treated": ("treated",), "holdout": ("holdout", "control")}


def _funnel(c: Campaign) -> dict[str, dict[str, int]]:
    cause = f"campaign:{c.pk}"
    by: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rows = (
        Message.objects.filter(cause=cause)
        .values("channel", "status")
        .annotate(n=Count("pk"))
        .values_list("channel", "status", "n")
    )
    for channel, status, n in rows:
        key = channel or "unsent"
        by[key]["queued"] += n
        if status in ("sent", "delivered"):
            by[key]["sent"] += n
        if status == "delivered":
            by[key]["delivered"] += n
        if status == "suppressed":
            by[key]["suppressed"] += n
        if status == "failed":
            by[key]["failed"] += n
    events = (
        MessageEvent.objects.filter(message__cause=cause, kind__in=["opened", "clicked"])
        .values("message__channel", "kind")
        .annotate(n=Count("message", distinct=True))
        .values_list("message__channel", "kind", "n")
    )
    for channel, kind, n in events:
        by[channel or "unsent"][kind] += n
    return {k: dict(v) for k, v in by.items()}


def _money(value: Decimal | None) -> str:
    return str((value or Decimal(0)).quantize(CENT))


def _redemptions(c: Campaign) -> dict[str, Any]:
    coupons = CampaignMember.objects.filter(campaign=c, coupon__isnull=False).values("coupon_id")
    live = Redemption.objects.filter(coupon_id__in=coupons, reversed_at__isnull=True)
    total = live.aggregate(n=Count("pk"), d=Sum("discount"))
    by_store = [
        {"store": code or "-", "redeemed": n, "discount": _money(d)}
        for code, n, d in live.values("order__credited_store__code")
        .annotate(n=Count("pk"), d=Sum("discount"))
        .values_list("order__credited_store__code", "n", "d")
        .order_by("-n")
    ]
    by_assistant = [
        {"assistant": name or "-", "redeemed": n}
        for name, n in live.values("order__credited_assistant__username")
        .annotate(n=Count("pk"))
        .values_list("order__credited_assistant__username", "n")
        .order_by("-n")
    ]
    return {
        "redeemed": total["n"] or 0,
        "discount_cost": _money(total["d"]),
        "by_store": by_store,
        "by_assistant": by_assistant,
    }


def outcomes(c: Campaign, *, until: datetime) -> dict[str, dict[str, np.ndarray]]:
    """Per entry of each compared group: revenue (yuan, paid less refunded) and visits (orders)
    placed in the entry's own window (ADR 35: from entering, for the campaign's window days;
    a one-off campaign's entries all share the launch window), and before `until`. Members
    without orders count zero."""
    assert c.launched_at is not None
    members = CampaignMember._meta.db_table
    orders = Order._meta.db_table
    marks = ", ".join(["%s"] * len(COUNTED_ORDER))
    ends = c.window_ends_at or until
    sql = (
        f'SELECT cm.id, cm."group", COALESCE(SUM(o.total - o.refunded_total), 0), '  # noqa: S608
        f"COUNT(o.id) FROM {members} cm LEFT JOIN {orders} o ON o.member_id = cm.member_id "
        "AND o.ordered_at >= COALESCE(cm.entered_at, %s) "
        "AND o.ordered_at < COALESCE(cm.window_until, %s) AND o.ordered_at < %s "
        f"AND o.status IN ({marks}) "
        'WHERE cm.campaign_id = %s AND COALESCE(cm.entered_at, %s) < %s GROUP BY cm.id, cm."group"'
    )
    with connection.cursor() as cur:
        cur.execute(sql, [c.launched_at, ends, until, *COUNTED_ORDER, c.pk, c.launched_at, until])
        rows = cur.fetchall()
    out: dict[str, dict[str, list[float]]] = {g: {"revenue": [], "visits": []} for g in COMPARED}
    for _, group, revenue, visits in rows:
        for name, groups in COMPARED.items():
            if group in groups:
                out[name]["revenue"].append(float(revenue))
                out[name]["visits"].append(float(visits))
    return {g: {k: np.asarray(v) for k, v in d.items()} for g, d in out.items()}


def _estimate(values: dict[str, dict[str, np.ndarray]], metric: str) -> dict[str, Any] | None:
    est = welch(values["treated"][metric], values["holdout"][metric])
    if est is None:
        return None
    return {
        "treated_mean": round(est.treated_mean, 4),
        "holdout_mean": round(est.holdout_mean, 4),
        "diff": round(est.diff, 4),
        "low": round(est.low, 4),
        "high": round(est.high, 4),
        "p_value": round(est.p_value, 6),
        "significant": est.significant,
        "level": est.level,
        # Below this the holdout mean's skew makes the interval liberal (ADR 30).
        "small_holdout": est.n_holdout < SMALL_HOLDOUT,
    }


def campaign_figures(c: Campaign, *, at: datetime | None = None) -> dict[str, Any]:
    """The report computed now (provisional until the window has closed)."""
    now = at or clock.now()
    if c.launched_at is None:
        return {"launched": False}
    until = min(now, c.window_ends_at) if c.window_ends_at else now
    groups = dict(
        CampaignMember.objects.filter(campaign=c)
        .values("group")
        .annotate(n=Count("pk"))
        .values_list("group", "n")
    )
    states = dict(
        CampaignMember.objects.filter(campaign=c, group="treated")
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    values = outcomes(c, until=until)
    revenue = _estimate(values, "revenue")
    visits = _estimate(values, "visits")
    red = _redemptions(c)
    n_treated = int(values["treated"]["revenue"].size)
    cost = Decimal(red["discount_cost"])
    incremental = None
    roi = None
    if revenue is not None:
        incremental = {
            "value": round(revenue["diff"] * n_treated, 2),
            "low": round(revenue["low"] * n_treated, 2),
            "high": round(revenue["high"] * n_treated, 2),
        }
        if cost > 0:
            roi = round(incremental["value"] / float(cost), 4)
    return {
        "launched": True,
        "final": c.window_ends_at is not None and now >= c.window_ends_at,
        "computed_at": now.isoformat(),
        "window": [c.launched_at.isoformat(), (c.window_ends_at or now).isoformat()],
        "schedule": c.schedule,
        "audience": sum(groups.values()),
        "groups": groups,
        "treated_states": states,
        "coupons_issued": c.coupons_issued,
        "discount_committed_fen": c.discount_committed_fen,
        "funnel": _funnel(c),
        "claimed": CampaignMember.objects.filter(campaign=c, coupon__isnull=False).count(),
        **red,
        "revenue": revenue,
        "visits": visits,
        "incremental_revenue": incremental,
        "roi": roi,
    }


def campaign_report(c: Campaign) -> dict[str, Any]:
    """The frozen result when there is one, else the live, provisional figures."""
    result = CampaignResult.objects.filter(campaign=c).first()
    if result is not None:
        return {**result.figures, "frozen": True}
    return {**campaign_figures(c), "frozen": False}


@transaction.atomic
def campaign_close(*, campaign: Campaign, at: datetime | None = None) -> CampaignResult | None:
    """Freeze the result of a campaign whose window has ended (once; later calls return it)."""
    now = at or clock.now()
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    existing = CampaignResult.objects.filter(campaign=c).first()
    if existing is not None:
        return existing
    if c.status != Campaign.Status.RUNNING or c.window_ends_at is None or now < c.window_ends_at:
        return None
    figures = campaign_figures(c, at=c.window_ends_at)
    figures["final"] = True
    result = CampaignResult.objects.create(campaign=c, computed_at=now, figures=figures)
    c.status, c.closed_at = Campaign.Status.CLOSED, now
    c.save(update_fields=["status", "closed_at"])
    return result


def campaigns_due(*, at: datetime | None = None) -> dict[str, int]:
    """The periodic job: launch approved campaigns whose time has come, fan out the running
    ones with members still pending, close the ones whose window has ended."""
    from omniloop.campaigns.journeys import journeys_advance
    from omniloop.campaigns.schedules import campaigns_schedules_due
    from omniloop.campaigns.services import campaign_fanout, campaign_launch

    now = at or clock.now()
    done = {"launched": 0, "sent": 0, "closed": 0}
    due = Campaign.objects.filter(status=Campaign.Status.APPROVED).filter(
        Q(send_at__isnull=True) | Q(send_at__lte=now)
    )
    for c in due:
        campaign_launch(campaign=c, at=now)
        done["launched"] += 1
    done.update(campaigns_schedules_due(at=now))
    pending = CampaignMember.objects.filter(state="pending", group="treated").values("campaign_id")
    for c in Campaign.objects.filter(status=Campaign.Status.RUNNING, pk__in=pending):
        done["sent"] += campaign_fanout(campaign_id=c.pk)
    for c in Campaign.objects.filter(status=Campaign.Status.RUNNING, window_ends_at__lte=now):
        done["closed"] += campaign_close(campaign=c, at=now) is not None
    done["journey_steps"] = journeys_advance(at=now)  # also its own job, every minute
    return done
