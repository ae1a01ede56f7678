"""One member's contribution to the new-member, first-purchase and cohort cells.

`member_fact_refresh` recomputes the member's fact from the rows (member, binding, first binding
change, paid orders), and when it differs from the stored one takes the old contribution out
of the cells and puts the new one in. So it is idempotent, and a binding that arrives after the
join, a merge (the merged member drops out, the survivor takes the earlier join date and the
orders) or an order paid later all land where a rebuild would put them."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date

from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.core.brand import brand_settings
from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.wall.cells import cell_add, counted, local_day, month_of, sold_at, zone_of
from omniloop.wall.models import CohortMonth, MemberDay, MemberFact


@dataclass(frozen=True)
class Fact:
    join_day: date
    join_channel: str
    store_id: int
    touchpoint_id: int
    assistant_id: int
    first_day: date | None
    months: tuple[date, ...]


def member_fact_compute(member_id: int) -> Fact | None:
    """The member's fact as the rows say now; None for a merged (or missing) member."""
    member = (
        Member.objects.filter(pk=member_id).values("status", "joined_at", "join_source").first()
    )
    if member is None or member["status"] == Member.Status.MERGED:
        return None
    recruited = (
        MemberBinding.objects.filter(member_id=member_id)
        .values_list("recruited_store_id", "recruited_assistant_id")
        .first()
    )
    store_id, assistant_id = recruited or (0, None)
    touchpoint_id = (
        BindingChange.objects.filter(member_id=member_id, kind=BindingChange.Kind.INITIAL)
        .order_by("changed_at", "pk")
        .values_list("touchpoint_id", flat=True)
        .first()
    )
    brand_tz = brand_settings().timezone
    days = {
        local_day(at, zoneinfo.ZoneInfo(credited_tz or fulfil_tz or brand_tz))
        for at, credited_tz, fulfil_tz in Order.objects.filter(counted(), member_id=member_id)
        .annotate(at=sold_at())
        .values_list("at", "credited_store__timezone", "store__timezone")
    }
    return Fact(
        join_day=local_day(member["joined_at"], zone_of(store_id)),
        join_channel=member["join_source"] or "",
        store_id=store_id,
        touchpoint_id=touchpoint_id or 0,
        assistant_id=assistant_id or 0,
        first_day=min(days) if days else None,
        months=tuple(sorted({month_of(d) for d in days})),
    )


def _stored(row: MemberFact) -> Fact:
    return Fact(
        join_day=row.join_day,
        join_channel=row.join_channel,
        store_id=row.store_id,
        touchpoint_id=row.touchpoint_id,
        assistant_id=row.assistant_id,
        first_day=row.first_day,
        months=tuple(date.fromisoformat(m) for m in row.months),
    )


def _apply(fact: Fact, sign: int) -> None:
    who = {
        "store_id": fact.store_id,
        "join_channel": fact.join_channel,
        "touchpoint_id": fact.touchpoint_id,
        "assistant_id": fact.assistant_id,
    }
    cell_add(MemberDay, {"day": fact.join_day, **who}, {"joins": sign, "first_purchases": 0})
    if fact.first_day is not None:
        cell_add(MemberDay, {"day": fact.first_day, **who}, {"joins": 0, "first_purchases": sign})
    cohort = month_of(fact.join_day)
    for month in fact.months:
        cell_add(
            CohortMonth,
            {
                "cohort": cohort,
                "join_channel": fact.join_channel,
                "store_id": fact.store_id,
                "month": month,
            },
            {"active": sign},
        )


def member_fact_refresh(member_id: int) -> bool:
    """Bring the member's contribution up to date; True when something changed. Runs in the
    caller's transaction with the member's row locked, so two refreshes of one member queue."""
    list(Member.objects.select_for_update().filter(pk=member_id).values_list("pk"))
    row = MemberFact.objects.filter(pk=member_id).first()
    old = _stored(row) if row else None
    new = member_fact_compute(member_id)
    if old == new:
        return False
    if old is not None:
        _apply(old, -1)
    if new is None:
        MemberFact.objects.filter(pk=member_id).delete()
        return True
    _apply(new, 1)
    MemberFact.objects.update_or_create(
        member_id=member_id,
        defaults={
            "join_day": new.join_day,
            "join_channel": new.join_channel,
            "store_id": new.store_id,
            "touchpoint_id": new.touchpoint_id,
            "assistant_id": new.assistant_id,
            "first_day": new.first_day,
            "months": [m.isoformat() for m in new.months],
        },
    )
    return True


def member_fact_order_paid(member_id: int, day: date) -> None:
    """A paid order of the member on local `day` (every sale's event). Most orders change
    nothing the member contributes (not a first purchase, a month already active): one read
    and done (paid orders only add days, so a committed fact that already holds the day's
    month and an earlier first day stays right). A new active month adds its one cohort cell
    under the member's row lock; no fact yet, or an earlier first day, is a full refresh."""
    month = month_of(day)
    fact = MemberFact.objects.filter(pk=member_id).first()
    if _covers(fact, day, month):
        return
    list(Member.objects.select_for_update().filter(pk=member_id).values_list("pk"))
    fact = MemberFact.objects.filter(pk=member_id).first()  # again, under the lock
    if fact is None or fact.first_day is None or day < fact.first_day:
        member_fact_refresh(member_id)
        return
    if month.isoformat() in fact.months:
        return
    fact.months = sorted([*fact.months, month.isoformat()])
    fact.save(update_fields=["months"])
    cell_add(
        CohortMonth,
        {
            "cohort": month_of(fact.join_day),
            "join_channel": fact.join_channel,
            "store_id": fact.store_id,
            "month": month,
        },
        {"active": 1},
    )


def _covers(fact: MemberFact | None, day: date, month: date) -> bool:
    return (
        fact is not None
        and fact.first_day is not None
        and fact.first_day <= day
        and month.isoformat() in fact.months
    )
