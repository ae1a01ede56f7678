"""Reads of the wall's cells (never of orders, scans or members: the cells are the wall's only
source, so a page costs a few GROUP BYs over days x dimensions whatever the brand's size).

Filters: a range of local days, a store (forced to their own for store staff), a sales
channel. The channel filter narrows sales only: scans, joins and cohorts have no sales channel
(a member's join channel is how they joined, shown as its own dimension)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_noop

from omniloop.accounts.access import Actor, access_store
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ValidationFailed
from omniloop.stores.models import SalesChannel, Store
from omniloop.wall.cells import month_of
from omniloop.wall.models import CohortMonth, MemberDay, SalesDay, ScanDay

MAX_DAYS = 366
SALES_BY = {
    "channel": "channel_id",
    "store": "store_id",
    "touchpoint": "touchpoint_id",
    "assistant": "assistant_id",
    "flow": "flow",
}


@dataclass(frozen=True)
class WallFilters:
    start: date
    end: date
    store_id: int | None = None
    channel_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> WallFilters:
        """The period of the same length just before."""
        return replace(
            self, start=self.start - timedelta(days=self.days), end=self.start - timedelta(days=1)
        )


def wall_filters_for(
    *, actor: Actor, start: date, end: date, store_id: int | None, channel_id: int | None
) -> WallFilters:
    """The filters this actor may use: store staff always see their own store (another store
    is not found), HQ any store or all."""
    if start > end:
        raise ValidationFailed(
            gettext_noop("The period starts after it ends."), code="period_invalid"
        )
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(
            gettext_noop("Choose a period of at most a year."), code="period_too_long"
        )
    if not actor.is_hq:
        if store_id is not None:
            access_store(actor, store_id)
        store_id = actor.own_store_id
    return WallFilters(start=start, end=end, store_id=store_id, channel_id=channel_id)


def parse_day(value: str | None, default: date) -> date:
    """A filter's ISO date (the default when empty); anything else is a 422."""
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(gettext_noop("Dates are YYYY-MM-DD."), code="date_invalid") from exc


def parse_id(value: str | None) -> int | None:
    """A filter's store or channel id (None when empty); anything else is a 422."""
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise ValidationFailed(
            gettext_noop("Choose from the list."), code="filter_invalid"
        ) from exc


def parse_radius(value: str | None) -> Decimal:
    """The catchment radius in km for site selection (3 when empty), 0.1 to 50."""
    if not value:
        return Decimal("3")
    try:
        radius = Decimal(value)
    except ArithmeticError as exc:
        raise ValidationFailed(
            gettext_noop("Choose a radius of 0.1 to 50 km."), code="radius_invalid"
        ) from exc
    if not radius.is_finite() or not Decimal("0.1") <= radius <= Decimal("50"):
        raise ValidationFailed(
            gettext_noop("Choose a radius of 0.1 to 50 km."), code="radius_invalid"
        )
    return radius.quantize(Decimal("0.1"))


@dataclass(frozen=True)
class SalesFigures:
    orders: int
    gross_fen: int
    refunds: int
    refund_fen: int

    @property
    def net_fen(self) -> int:
        return self.gross_fen - self.refund_fen

    @property
    def average_fen(self) -> int | None:
        """Net sales per paid order (None without orders)."""
        return round(self.net_fen / self.orders) if self.orders else None


@dataclass(frozen=True)
class SalesRow:
    key: Any
    figures: SalesFigures


@dataclass(frozen=True)
class FunnelRow:
    key: int
    scans: int
    joins: int
    first_purchases: int


@dataclass(frozen=True)
class CohortRow:
    cohort: date
    join_channel: str
    size: int
    active: tuple[int | None, ...]  # members active in month +0, +1, ... (None: not yet)


def _days(qs: QuerySet[Any], f: WallFilters) -> QuerySet[Any]:
    qs = qs.filter(day__gte=f.start, day__lte=f.end)
    if f.store_id is not None:
        qs = qs.filter(store_id=f.store_id)
    return qs.order_by()


def _sales(f: WallFilters) -> QuerySet[SalesDay]:
    qs = _days(SalesDay.objects.all(), f)
    if f.channel_id is not None:
        qs = qs.filter(channel_id=f.channel_id)
    return qs


_SALES_SUMS = {
    "o": Sum("orders"),
    "g": Sum("gross_fen"),
    "r": Sum("refunds"),
    "rf": Sum("refund_fen"),
}


def _figures(row: dict[str, Any]) -> SalesFigures:
    return SalesFigures(
        orders=row["o"] or 0,
        gross_fen=row["g"] or 0,
        refunds=row["r"] or 0,
        refund_fen=row["rf"] or 0,
    )


def sales_totals(*, filters: WallFilters) -> SalesFigures:
    return _figures(_sales(filters).aggregate(**_SALES_SUMS))


def sales_breakdown(*, filters: WallFilters, by: Iterable[str]) -> list[SalesRow]:
    """Sales grouped by one or more of day, channel, store, touchpoint, assistant, flow; the
    key is one value or a tuple in that order. Largest net sales first (then the key)."""
    fields = [f if f == "day" else SALES_BY[f] for f in by]
    rows = [
        SalesRow(
            key=tuple(r[k] for k in fields) if len(fields) > 1 else r[fields[0]],
            figures=_figures(r),
        )
        for r in _sales(filters).values(*fields).annotate(**_SALES_SUMS)
    ]
    rows.sort(key=lambda r: (-r.figures.net_fen, str(r.key)))
    return rows


def sales_detail(*, filters: WallFilters, limit: int | None = None) -> tuple[list[SalesRow], int]:
    """Sales per (day, channel, touchpoint, store), by day and then largest net sales first:
    the first `limit` rows (all when None) and how many rows there are. The database sorts and
    cuts, so the page never folds a year of cells in Python just to show fifty."""
    fields = ["day", "channel_id", "touchpoint_id", "store_id"]
    qs = (
        _sales(filters)
        .values(*fields)
        .annotate(**_SALES_SUMS)
        .annotate(net=Sum("gross_fen") - Sum("refund_fen"))
        .order_by("day", "-net", "channel_id", "touchpoint_id", "store_id")
    )
    total = qs.count() if limit is not None else None
    rows = [
        SalesRow(key=tuple(r[k] for k in fields), figures=_figures(r))
        for r in (qs[:limit] if limit is not None else qs)
    ]
    return rows, total if total is not None else len(rows)


def sales_by_day(*, filters: WallFilters) -> list[tuple[date, SalesFigures]]:
    """Every day of the period in order, empty days included."""
    got = {r.key: r.figures for r in sales_breakdown(filters=filters, by=["day"])}
    empty = SalesFigures(0, 0, 0, 0)
    days = (filters.start + timedelta(days=i) for i in range(filters.days))
    return [(d, got.get(d, empty)) for d in days]


def member_totals(*, filters: WallFilters) -> tuple[int, int]:
    """(new members, first purchases) in the period."""
    got = _days(MemberDay.objects.all(), filters).aggregate(
        j=Sum("joins"), p=Sum("first_purchases")
    )
    return got["j"] or 0, got["p"] or 0


def joins_by_day(*, filters: WallFilters) -> list[tuple[date, int]]:
    got = dict(_days(MemberDay.objects.all(), filters).values_list("day").annotate(n=Sum("joins")))
    days = (filters.start + timedelta(days=i) for i in range(filters.days))
    return [(d, got.get(d, 0)) for d in days]


def joins_by_channel(*, filters: WallFilters) -> list[tuple[str, int, int]]:
    """(join channel, new members, first purchases), most joins first."""
    rows = (
        _days(MemberDay.objects.all(), filters)
        .values_list("join_channel")
        .annotate(j=Sum("joins"), p=Sum("first_purchases"))
    )
    out = [(c, j or 0, p or 0) for c, j, p in rows if j or p]
    return sorted(out, key=lambda r: (-r[1], r[0]))


def joins_by_store(*, filters: WallFilters) -> dict[int, int]:
    """New members per recruiting store (0: joined without a store)."""
    return dict(
        _days(MemberDay.objects.all(), filters).values_list("store_id").annotate(n=Sum("joins"))
    )


def scan_total(*, filters: WallFilters) -> int:
    return _days(ScanDay.objects.all(), filters).aggregate(n=Sum("scans"))["n"] or 0


def funnel(*, filters: WallFilters, by: str) -> list[FunnelRow]:
    """Scans, joins and first purchases per touchpoint or assistant in the period, each on its
    own day: scans of the touchpoint (or of the assistant's codes), members recruited through
    it (or by the assistant), and first purchases by the members it recruited. Rows without
    a touchpoint (or assistant) are left out; most joins first."""
    field = {"touchpoint": "touchpoint_id", "assistant": "assistant_id"}[by]
    scans = dict(_days(ScanDay.objects.all(), filters).values_list(field).annotate(n=Sum("scans")))
    members = {
        k: (j or 0, p or 0)
        for k, j, p in _days(MemberDay.objects.all(), filters)
        .values_list(field)
        .annotate(j=Sum("joins"), p=Sum("first_purchases"))
    }
    keys = (set(scans) | set(members)) - {0}
    rows = [
        FunnelRow(
            key=k,
            scans=scans.get(k, 0),
            joins=members.get(k, (0, 0))[0],
            first_purchases=members.get(k, (0, 0))[1],
        )
        for k in keys
    ]
    rows = [r for r in rows if r.scans or r.joins or r.first_purchases]
    return sorted(rows, key=lambda r: (-r.joins, -r.scans, r.key))


def _add_months(month: date, n: int) -> date:
    y, m = divmod(month.month - 1 + n, 12)
    return date(month.year + y, m + 1, 1)


def cohorts(*, filters: WallFilters, today: date, months: int = 7) -> list[CohortRow]:
    """Cohorts of members who joined in the months the period touches, by join channel: their
    size and how many paid for an order in their join month (+0) and each month after, up to
    `months` columns; months after `today`'s are None."""
    first, last = month_of(filters.start), month_of(filters.end)
    q = Q(day__gte=first, day__lt=_add_months(last, 1))
    if filters.store_id is not None:
        q &= Q(store_id=filters.store_id)
    sizes: dict[tuple[date, str], int] = {}
    for day, channel, joins in (
        MemberDay.objects.filter(q).order_by().values_list("day", "join_channel", "joins")
    ):
        key = (month_of(day), channel)
        sizes[key] = sizes.get(key, 0) + joins
    cq = Q(cohort__gte=first, cohort__lte=last)
    if filters.store_id is not None:
        cq &= Q(store_id=filters.store_id)
    active = {
        (c, ch, m): n
        for c, ch, m, n in CohortMonth.objects.filter(cq)
        .order_by()
        .values_list("cohort", "join_channel", "month")
        .annotate(n=Sum("active"))
    }
    now = month_of(today)
    out = []
    for (cohort, channel), size in sorted(sizes.items()):
        if not size:
            continue
        cells: list[int | None] = []
        for k in range(months):
            month = _add_months(cohort, k)
            cells.append(None if month > now else active.get((cohort, channel, month), 0))
        out.append(CohortRow(cohort=cohort, join_channel=channel, size=size, active=tuple(cells)))
    return out


def wall_today() -> date:
    """Today in the brand's time zone (the default period ends on it)."""
    return clock.now().astimezone(zoneinfo.ZoneInfo(brand_settings().timezone)).date()


def wall_filter_choices(*, actor: Actor) -> tuple[list[Any], list[Any]]:
    """(stores, sales channels) the actor may filter by: HQ every store, store staff theirs."""
    stores = Store.objects.order_by("code")
    if not actor.is_hq:
        stores = stores.filter(pk=actor.own_store_id)
    return list(stores), list(SalesChannel.objects.order_by("code"))
