"""The wall's campaign summary (营销活动汇总): every campaign that ran in the wall's period, as a
wall table (so it exports to CSV and XLSX like the others).

The wall sits below campaigns, so the dashboard's wall view asks for this table and adds it to
the overview page. It reads each campaign's counters and, for closed campaigns, the frozen
result; a running campaign's lift is provisional and lives on its own report, so the wall does
not compute estimates on every page view (it stays fast at brand scale)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext_lazy as _

from omniloop.campaigns.models import Campaign, CampaignMember, CampaignResult
from omniloop.core.brand import brand_settings
from omniloop.wall.tables import Cell, Column, Table

CENT = Decimal("0.01")


def campaign_wall_table(*, start: date, end: date) -> Table:
    """Campaigns whose window overlaps [start, end] (brand-local days), newest first."""
    zone = zoneinfo.ZoneInfo(brand_settings().timezone)
    lo = datetime.combine(start, time.min, tzinfo=zone)
    hi = datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone)
    campaigns = list(
        # A recurring or triggered campaign without an end has no window end yet (ADR 35).
        Campaign.objects.filter(launched_at__lt=hi)
        .filter(Q(window_ends_at__gte=lo) | Q(window_ends_at__isnull=True))
        .order_by("-launched_at", "-pk")
    )
    ids = [c.pk for c in campaigns]
    groups: dict[int, dict[str, int]] = {}
    for cid, group, n in (
        CampaignMember.objects.filter(campaign_id__in=ids)
        .values("campaign_id", "group")
        .annotate(n=Count("pk"))
        .values_list("campaign_id", "group", "n")
    ):
        groups.setdefault(cid, {})[group] = n
    redeemed: dict[int, tuple[int, Decimal]] = {}
    for cid, n, discount in (
        CampaignMember.objects.filter(
            campaign_id__in=ids, coupon__redemptions__reversed_at__isnull=True
        )
        .values("campaign_id")
        .annotate(n=Count("coupon__redemptions"), d=Sum("coupon__redemptions__discount"))
        .values_list("campaign_id", "n", "d")
    ):
        redeemed[cid] = (n, (discount or Decimal(0)).quantize(CENT))
    results = {r.campaign_id: r.figures for r in CampaignResult.objects.filter(campaign_id__in=ids)}
    rows: list[tuple[Cell, ...]] = []
    for c in campaigns:
        g = groups.get(c.pk, {})
        n_red, cost = redeemed.get(c.pk, (0, Decimal("0.00")))
        rows.append(
            (
                c.name,
                str(Campaign.Status(c.status).label),
                c.launched_at.astimezone(zone).date() if c.launched_at else None,
                g.get("treated", 0),
                g.get("holdout", 0) + g.get("control", 0),
                c.coupons_issued,
                n_red,
                cost,
                *_lift(results.get(c.pk)),
            )
        )
    return Table(
        "campaigns",
        _("Campaign summary"),
        (
            Column("campaign", _("Campaign")),
            Column("status", _("Status")),
            Column("launched", _("Launched"), "date"),
            Column("treated", _("Treated"), "int"),
            Column("holdout", _("Holdout"), "int"),
            Column("coupons", _("Coupons issued"), "int"),
            Column("redeemed", _("Redeemed"), "int"),
            Column("discount", _("Discount cost"), "money"),
            Column("incremental", _("Incremental revenue"), "money"),
            Column("interval", _("95% interval")),
            Column("roi", _("ROI")),
        ),
        rows,
        note=_(
            "Every campaign whose window overlaps the period, brand-wide (the store and channel "
            "filters do not apply). Lift and ROI are shown once a campaign has closed and its "
            "result is frozen; a running campaign's provisional figures are on its report."
        ),
        empty=_("No campaign ran in this period."),
    )


def _lift(figures: dict[str, Any] | None) -> tuple[Cell, Cell, Cell]:
    if not figures or not figures.get("incremental_revenue"):
        return (None, None, None)
    inc = figures["incremental_revenue"]
    value = Decimal(str(inc["value"])).quantize(CENT)
    interval = (
        f"{Decimal(str(inc['low'])).quantize(CENT)} … {Decimal(str(inc['high'])).quantize(CENT)}"
    )
    roi = figures.get("roi")
    return (value, interval, f"{roi:.2f}" if roi is not None else None)
