"""Per-member frequency, recency, age and monetary value from the orders, in calendar days.

The BG/NBD and Gamma-Gamma papers count time in whole calendar days: everything a member buys on
one day is one transaction, and a member's clock starts on the day of the first purchase. A day
is the store's local calendar day (`Store.timezone`; the brand's time zone for orders without a
store), so a purchase at 23:30 and one at 00:30 the next morning are two transactions, while
two purchases in one local day are one, whatever their UTC dates.

The database groups the orders by (member, local day); numpy folds those rows per member.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
from django.db.models import DecimalField, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from omniloop.clv.values import FloatArray, IntArray, Summaries
from omniloop.core.brand import brand_settings
from omniloop.orders.models import Order

# Orders the member paid for and kept: not awaiting payment, not cancelled, not refunded.
COUNTED_STATUSES = (
    Order.Status.PAID,
    Order.Status.READY,
    Order.Status.SHIPPED,
    Order.Status.COMPLETED,
)


def counted_orders(*, before: datetime) -> QuerySet[Order]:
    """Members' paid orders placed before `before`, less those refunded in full. A free order
    (total 0, say paid with points) is still a purchase."""
    return (
        Order.objects.filter(
            member__isnull=False, status__in=COUNTED_STATUSES, ordered_at__lt=before
        )
        .exclude(total__gt=0, refunded_total__gte=F("total"))
        .order_by()
    )


def last_counted_day(*, as_of: date | datetime) -> date:
    """The last calendar day the history covers. A date is itself; an instant closes the day
    (brand time zone) it falls in, or the day before when it is that day's first moment, so
    midnight starting D + 1 closes D."""
    if not isinstance(as_of, datetime):
        return as_of
    tz = zoneinfo.ZoneInfo(brand_settings().timezone)
    return (as_of - timedelta(microseconds=1)).astimezone(tz).date()


def clv_summaries(*, as_of: date | datetime, unit_days: int = 1) -> Summaries:
    """Every member with a counted purchase up to `as_of`, in units of `unit_days` days.

    `as_of` is a day D (the history runs through the end of D in each store's local time) or
    an instant (purchases placed before it, and on or before the day it closes). Either way
    no counted purchase falls after the last counted day, so recency never exceeds age, and a
    purchase on that day has recency equal to age.

    Monetary value is the mean paid (total less refunds) per repeat day, the first day
    excluded, as Fader, Hardie and Lee do for Gamma-Gamma: the first purchase is often unlike
    the later ones (a joining offer, a big first basket)."""
    end_day = last_counted_day(as_of=as_of)
    if isinstance(as_of, datetime):
        before = as_of
    else:  # every zone's midnight ending D is before 00:00 UTC on D + 2
        before = datetime.combine(end_day + timedelta(days=2), time(0), tzinfo=UTC)
    members, days, fen = _member_days(before=before, end_day=end_day)
    return _fold(members, days, fen, end_day=end_day, unit_days=unit_days)


def _member_days(*, before: datetime, end_day: date) -> tuple[IntArray, IntArray, IntArray]:
    """(member id, local day ordinal, paid in fen) per member and purchase day, sorted."""
    orders = counted_orders(before=before)
    brand_tz = brand_settings().timezone
    zones = set(orders.exclude(store__isnull=True).values_list("store__timezone", flat=True))
    members: list[int] = []
    days: list[int] = []
    fen: list[int] = []
    for tz in sorted(zones | {brand_tz}):
        in_zone = Q(store__timezone=tz) | (Q(store__isnull=True) if tz == brand_tz else Q())
        rows = (
            orders.filter(in_zone)
            .annotate(day=TruncDate("ordered_at", tzinfo=zoneinfo.ZoneInfo(tz)))
            .filter(day__lte=end_day)
            .values("member_id", "day")
            .annotate(
                paid=Sum(
                    F("total") - F("refunded_total"),
                    output_field=DecimalField(max_digits=14, decimal_places=2),
                )
            )
            .values_list("member_id", "day", "paid")
        )
        for member_id, day, paid in rows.iterator(chunk_size=10_000):
            members.append(member_id)
            days.append(day.toordinal())
            fen.append(round(paid * 100))
    m = np.asarray(members, dtype=np.int64)
    d = np.asarray(days, dtype=np.int64)
    v = np.asarray(fen, dtype=np.int64)
    order = np.lexsort((d, m))
    m, d, v = m[order], d[order], v[order]
    if len(m) == 0:
        return m, d, v
    # A member who bought in stores of two time zones on one day: one transaction.
    new = np.ones(len(m), dtype=bool)
    new[1:] = (m[1:] != m[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new)
    return m[starts], d[starts], np.add.reduceat(v, starts)


def _fold(m: IntArray, d: IntArray, fen: IntArray, *, end_day: date, unit_days: int) -> Summaries:
    if len(m) == 0:
        empty = np.zeros(0, dtype=np.float64)
        return Summaries(end_day, unit_days, m, empty, empty, empty, empty, empty)
    new = np.ones(len(m), dtype=bool)
    new[1:] = m[1:] != m[:-1]
    starts = np.flatnonzero(new)
    ends = np.append(starts[1:], len(m)) - 1
    frequency = (ends - starts).astype(np.float64)
    total = np.add.reduceat(fen, starts).astype(np.float64) / 100
    first = fen[starts].astype(np.float64) / 100
    monetary: FloatArray = np.zeros(len(starts), dtype=np.float64)
    repeat = frequency > 0
    monetary[repeat] = (total[repeat] - first[repeat]) / frequency[repeat]
    return Summaries(
        as_of=end_day,
        unit_days=unit_days,
        member_ids=m[starts],
        frequency=frequency,
        recency=(d[ends] - d[starts]).astype(np.float64) / unit_days,
        age=(end_day.toordinal() - d[starts]).astype(np.float64) / unit_days,
        monetary_value=monetary,
        total_value=total,
    )
