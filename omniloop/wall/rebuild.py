"""`wall_rebuild`: recompute the aggregates from the source rows, set-based.

Sales and scan cells are rebuilt for a range of local days (all days without one): the
database groups the orders, returns and scans of each time zone by local day and dimensions
(one GROUP BY per zone, as `clv.summaries` does), and the cells are replaced in one
transaction. Member facts, new-member cells and cohorts are always rebuilt whole: a member's
first purchase and cohort depend on their whole history, and there is one small row per member.
The markers (`CountedOrder`, `CountedRefund`) are set for what the rebuild counted, so a
replayed event after it adds nothing."""

from __future__ import annotations

import zoneinfo
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from omniloop.attribution.models import BindingChange
from omniloop.core.brand import brand_settings
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderReturn
from omniloop.touchpoints.models import ScanEvent
from omniloop.wall.cells import counted, fen, month_of, sold_at, zones
from omniloop.wall.models import (
    CohortMonth,
    CountedOrder,
    CountedRefund,
    MemberDay,
    MemberFact,
    SalesDay,
    ScanDay,
)

BATCH = 5_000


@dataclass(frozen=True)
class RebuildCounts:
    sales_cells: int
    scan_cells: int
    member_facts: int
    member_cells: int
    cohort_cells: int


def _window(start: date | None, end: date | None) -> Q:
    """A UTC window wide enough for local days start..end in every zone (UTC-12 to UTC+14)."""
    q = Q()
    if start is not None:
        q &= Q(at__gte=datetime.combine(start - timedelta(days=1), time(0), tzinfo=UTC))
    if end is not None:
        q &= Q(at__lt=datetime.combine(end + timedelta(days=2), time(0), tzinfo=UTC))
    return q


def _in_days(qs: QuerySet[Any], start: date | None, end: date | None) -> QuerySet[Any]:
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    return qs


def _zone_q(prefix: str, tz: str, store_ids: list[int], brand_tz: str) -> Q:
    """Rows whose dimension store (credited, else fulfilling) is in `tz`."""
    credited, fulfilling = f"{prefix}credited_store_id", f"{prefix}store_id"
    q = Q(**{f"{credited}__in": store_ids}) | Q(
        **{f"{credited}__isnull": True, f"{fulfilling}__in": store_ids}
    )
    if tz == brand_tz:
        q |= Q(**{f"{credited}__isnull": True, f"{fulfilling}__isnull": True})
    return q


def _insert_select(table: str, column: str, qs: QuerySet[Any]) -> None:
    sql, params = qs.query.sql_with_params()
    quoted = connection.ops.quote_name(table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quoted} ({connection.ops.quote_name(column)}) {sql} "
            "ON CONFLICT DO NOTHING",
            params,
        )


def _rebuild_sales(start: date | None, end: date | None) -> int:
    brand_tz = brand_settings().timezone
    cells: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for tz, store_ids in zones().items():
        zone = zoneinfo.ZoneInfo(tz)
        orders = _in_days(
            Order.objects.filter(_zone_q("", tz, store_ids, brand_tz), counted())
            .annotate(at=sold_at())
            .filter(_window(start, end))
            .annotate(day=TruncDate("at", tzinfo=zone)),
            start,
            end,
        ).order_by()
        for row in orders.values(
            "day",
            "flow",
            "channel_id",
            dim_store=Coalesce("credited_store_id", "store_id"),
            dim_touchpoint=F("touchpoint_id"),
            dim_assistant=F("credited_assistant_id"),
        ).annotate(n=Count("pk"), gross=Sum("total")):
            key = _key(row)
            cells[key][0] += row["n"]
            cells[key][1] += fen(row["gross"])
        _insert_select(CountedOrder._meta.db_table, "order_id", orders.values("pk"))
        refunds = _in_days(
            OrderReturn.objects.filter(
                _zone_q("order__", tz, store_ids, brand_tz),
                counted("order__"),
                amount__gt=0,
            )
            .annotate(at=F("created_at"))
            .filter(_window(start, end))
            .annotate(day=TruncDate("created_at", tzinfo=zone)),
            start,
            end,
        ).order_by()
        for row in refunds.values(
            "day",
            flow=F("order__flow"),
            channel_id=F("order__channel_id"),
            dim_store=Coalesce("order__credited_store_id", "order__store_id"),
            dim_touchpoint=F("order__touchpoint_id"),
            dim_assistant=F("order__credited_assistant_id"),
        ).annotate(n=Count("pk"), amount=Sum("amount")):
            key = _key(row)
            cells[key][2] += row["n"]
            cells[key][3] += fen(row["amount"])
        _insert_select(CountedRefund._meta.db_table, "reference", refunds.values("reference"))
    rows = [
        SalesDay(
            day=k[0],
            store_id=k[1],
            channel_id=k[2],
            touchpoint_id=k[3],
            assistant_id=k[4],
            flow=k[5],
            orders=v[0],
            gross_fen=v[1],
            refunds=v[2],
            refund_fen=v[3],
        )
        for k, v in cells.items()
    ]
    SalesDay.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (
        row["day"],
        row["dim_store"] or 0,
        row["channel_id"],
        row["dim_touchpoint"] or 0,
        row["dim_assistant"] or 0,
        row["flow"],
    )


def _rebuild_scans(start: date | None, end: date | None) -> int:
    brand_tz = brand_settings().timezone
    rows: list[ScanDay] = []
    for tz, store_ids in zones().items():
        in_zone = Q(store_id__in=store_ids) | (Q(store__isnull=True) if tz == brand_tz else Q())
        scans = _in_days(
            ScanEvent.objects.filter(in_zone)
            .annotate(at=F("scanned_at"))
            .filter(_window(start, end))
            .annotate(day=TruncDate("scanned_at", tzinfo=zoneinfo.ZoneInfo(tz))),
            start,
            end,
        ).order_by()
        for row in scans.values("day", "store_id", "touchpoint_id", "assistant_id").annotate(
            n=Count("pk")
        ):
            rows.append(
                ScanDay(
                    day=row["day"],
                    store_id=row["store_id"] or 0,
                    touchpoint_id=row["touchpoint_id"],
                    assistant_id=row["assistant_id"] or 0,
                    scans=row["n"],
                )
            )
    ScanDay.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)


def _rebuild_members() -> tuple[int, int, int]:
    brand_tz = brand_settings().timezone
    first_touch = (
        BindingChange.objects.filter(member_id=OuterRef("pk"), kind=BindingChange.Kind.INITIAL)
        .order_by("changed_at", "pk")
        .values("touchpoint_id")[:1]
    )
    facts: dict[int, MemberFact] = {}
    for tz, store_ids in zones().items():
        in_zone = Q(binding__recruited_store_id__in=store_ids)
        if tz == brand_tz:
            in_zone |= Q(binding__isnull=True)
        members = (
            Member.objects.filter(in_zone)
            .exclude(status=Member.Status.MERGED)
            .annotate(day=TruncDate("joined_at", tzinfo=zoneinfo.ZoneInfo(tz)))
            .values_list(
                "pk",
                "day",
                "join_source",
                "binding__recruited_store_id",
                "binding__recruited_assistant_id",
            )
            .annotate(touchpoint=Subquery(first_touch))
            .order_by()
        )
        for pk, day, source, store, assistant, touchpoint in members.iterator(chunk_size=BATCH):
            facts[pk] = MemberFact(
                member_id=pk,
                join_day=day,
                join_channel=source or "",
                store_id=store or 0,
                touchpoint_id=touchpoint or 0,
                assistant_id=assistant or 0,
                months=[],
            )
    months: dict[int, set[date]] = defaultdict(set)
    for tz, store_ids in zones().items():
        paid = (
            Order.objects.filter(
                _zone_q("", tz, store_ids, brand_tz),
                counted(),
                member_id__in=Member.objects.exclude(status=Member.Status.MERGED).values("pk"),
            )
            .annotate(day=TruncDate(sold_at(), tzinfo=zoneinfo.ZoneInfo(tz)))
            .values("member_id", "day")
            .annotate(n=Min("pk"))
            .values_list("member_id", "day")
            .order_by()
        )
        for member_id, day in paid.iterator(chunk_size=BATCH):
            fact = facts.get(member_id)
            if fact is None:
                continue
            months[member_id].add(month_of(day))
            if fact.first_day is None or day < fact.first_day:
                fact.first_day = day
    joins: Counter[tuple[Any, ...]] = Counter()
    firsts: Counter[tuple[Any, ...]] = Counter()
    active: Counter[tuple[Any, ...]] = Counter()
    for pk, fact in facts.items():
        who = (fact.store_id, fact.join_channel, fact.touchpoint_id, fact.assistant_id)
        joins[(fact.join_day, *who)] += 1
        if fact.first_day is not None:
            firsts[(fact.first_day, *who)] += 1
        fact.months = sorted(m.isoformat() for m in months.get(pk, ()))
        for m in months.get(pk, ()):
            active[(month_of(fact.join_day), fact.join_channel, fact.store_id, m)] += 1
    MemberFact.objects.bulk_create(facts.values(), batch_size=BATCH)
    cells = [
        MemberDay(
            day=k[0],
            store_id=k[1],
            join_channel=k[2],
            touchpoint_id=k[3],
            assistant_id=k[4],
            joins=joins.get(k, 0),
            first_purchases=firsts.get(k, 0),
        )
        for k in set(joins) | set(firsts)
    ]
    MemberDay.objects.bulk_create(cells, batch_size=BATCH)
    cohorts = [
        CohortMonth(cohort=k[0], join_channel=k[1], store_id=k[2], month=k[3], active=n)
        for k, n in active.items()
    ]
    CohortMonth.objects.bulk_create(cohorts, batch_size=BATCH)
    return len(facts), len(cells), len(cohorts)


def wall_rebuild(*, start: date | None = None, end: date | None = None) -> RebuildCounts:
    """Replace the sales and scan cells of local days start..end (every day when open) and all
    member facts, new-member and cohort cells with what the source rows say, in one
    transaction (readers see the old cells until it commits)."""
    with transaction.atomic():
        SalesDay.objects.filter(**_day_range(start, end)).delete()
        ScanDay.objects.filter(**_day_range(start, end)).delete()
        MemberFact.objects.all().delete()
        MemberDay.objects.all().delete()
        CohortMonth.objects.all().delete()
        sales = _rebuild_sales(start, end)
        scans = _rebuild_scans(start, end)
        facts, member_cells, cohorts = _rebuild_members()
    return RebuildCounts(
        sales_cells=sales,
        scan_cells=scans,
        member_facts=facts,
        member_cells=member_cells,
        cohort_cells=cohorts,
    )


def _day_range(start: date | None, end: date | None) -> dict[str, date]:
    out: dict[str, date] = {}
    if start is not None:
        out["day__gte"] = start
    if end is not None:
        out["day__lte"] = end
    return out
