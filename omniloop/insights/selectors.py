"""Reading segments: counts, members and refs for a rule at an `as_of`, and the saved segments.

Which source answers (docs/segments.md):
- `as_of` not given: the materialised feature table (`source="features"`), each row as of its
  `computed_at` (kept current by `features_apply_order` and the daily rebuild); `recency_days`,
  `tenure_days` and `age` are always exact at the evaluation time;
- `as_of` given: features computed from orders at exactly that `as_of` (`source="orders"`,
  the same SQL as the rebuild, as a derived table).
`source` overrides the choice (the table evaluated at the `as_of` of its last rebuild is exact)."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection

from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.insights.models import Segment, SegmentVersion
from omniloop.insights.rule_sql import Source, segment_from_where
from omniloop.insights.rules import Rule, parse_moment, rule_parse
from omniloop.insights.sqlparams import Params


@dataclass(frozen=True)
class Evaluation:
    as_of: datetime
    source: Source
    sql: str
    params: dict[str, Any]


def brand_tz() -> tuple[zoneinfo.ZoneInfo, str]:
    name = brand_settings().timezone
    return zoneinfo.ZoneInfo(name), name


def as_of_parse(value: str) -> datetime:
    """`--as-of` for segments: a date-only D is the end of day D (the start of D+1, exclusive)
    in the brand's time zone; a time without an offset is read there too."""
    tz, _ = brand_tz()
    return parse_moment(value, tz, end_of_day=True)


def rule_check(data: Any) -> Rule:
    tz, _ = brand_tz()
    return rule_parse(data, tz=tz)


def segment_evaluation(
    data: Any, *, as_of: datetime | None, source: Source | None, select: str, extra_joins: str = ""
) -> Evaluation:
    tz, tz_name = brand_tz()
    rule = rule_parse(data, tz=tz)
    chosen: Source = source or ("features" if as_of is None else "orders")
    moment = as_of or clock.now()
    params = Params("p")
    from_where = segment_from_where(
        rule,
        as_of=moment,
        source=chosen,
        tz=tz,
        tz_name=tz_name,
        params=params,
        extra_joins=extra_joins,
    )
    return Evaluation(moment, chosen, f"SELECT {select} {from_where}", params.values)


def segment_count(
    data: Any, *, as_of: datetime | None = None, source: Source | None = None
) -> tuple[int, Evaluation]:
    """How many members the rule `data` (decoded JSON) matches at `as_of`."""
    ev = segment_evaluation(data, as_of=as_of, source=source, select="COUNT(*)")
    with connection.cursor() as cur:
        cur.execute(ev.sql, ev.params)
        (count,) = cur.fetchone()
    return int(count), ev


def segment_member_ids(
    data: Any, *, as_of: datetime | None = None, source: Source | None = None
) -> list[int]:
    ev = segment_evaluation(data, as_of=as_of, source=source, select="f.member_id")
    with connection.cursor() as cur:
        cur.execute(ev.sql + " ORDER BY f.member_id", ev.params)
        return [row[0] for row in cur.fetchall()]


def segment_export_rows(
    data: Any, *, as_of: datetime | None = None, source: Source | None = None
) -> Iterator[tuple[Any, ...]]:
    """(member ref, code, tier, city, lifecycle, favourite category, recency start) per member,
    streamed in member order. The ref is the brand's member number, else the member code."""
    ev = segment_evaluation(
        data,
        as_of=as_of,
        source=source,
        select="f.member_id, COALESCE(xm.external_ref, xm.code), xm.code, xm.tier, xm.city,"
        " f.lifecycle, xc.code, f.last_order_at, f.orders_365d, f.spend_365d",
        extra_joins="JOIN members_member xm ON xm.id = f.member_id"
        " LEFT JOIN catalog_category xc ON xc.id = f.top_category_id",
    )
    with connection.cursor() as cur:
        cur.execute(ev.sql + " ORDER BY f.member_id", ev.params)
        while rows := cur.fetchmany(2000):
            yield from rows


def segment_list() -> list[Segment]:
    return list(Segment.objects.all())


def segment_get(slug: str) -> Segment | None:
    return Segment.objects.filter(slug=slug).first()


def segment_latest_version(segment: Segment) -> SegmentVersion | None:
    return segment.versions.order_by("-number").first()


def segment_matches(data: Any, member_id: int, *, as_of: datetime | None = None) -> bool:
    """Whether one member matches the rule `data` now (or at `as_of`): the same SQL as the
    segment's count, narrowed to that member (a journey's condition, a trigger's audience)."""
    ev = segment_evaluation(data, as_of=as_of, source=None, select="f.member_id")
    params = {**ev.params, "one_member": int(member_id)}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT 1 FROM ({ev.sql}) q WHERE q.member_id = %(one_member)s",  # noqa: S608
            params,
        )
        return cur.fetchone() is not None
