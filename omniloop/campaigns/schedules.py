"""Recurring and triggered campaigns (ADR 35).

A recurring campaign runs daily, weekly or monthly at a brand-local hour: each run refreshes
its segment (a new frozen `SegmentVersion`, kept on the `CampaignRun`), and enters the members
of that version not already treated by the campaign (or, with `per_run`, every member again,
one entry per run). A triggered campaign enters a member when something happens to them: a
first purchase (the orders paid event, with a sweep behind it), joining, a birthday (brand-local
day, once a year), a lapse (recency crossing N days), a scan without a purchase within N hours,
a pickup left uncollected N hours after it was ready. Each entrant is split treated/holdout by
the campaign's stable hash when they enter, and that entry, with its own outcome window, is
what the report compares. One entry per member and occasion: the unique key and ON CONFLICT
DO NOTHING make racing events, sweeps and retries enter a member once."""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta

import numpy as np
from django.db import transaction
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Q, Subquery

from omniloop.audit.services import audit_record
from omniloop.campaigns.models import Campaign, CampaignMember, CampaignRun
from omniloop.campaigns.report import COUNTED_ORDER as COUNTED
from omniloop.campaigns.services import assign_groups, insert_entries, segment_version_ids
from omniloop.core import clock
from omniloop.insights.models import MemberFeatures
from omniloop.insights.selectors import brand_tz, segment_matches
from omniloop.insights.services import segment_refresh
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderStatusChange
from omniloop.touchpoints.models import ScanEvent

log = logging.getLogger(__name__)
SCAN_LOOKBACK = timedelta(days=2)
JOINED_LOOKBACK = timedelta(days=7)


def next_run_after(c: Campaign, after: datetime) -> datetime:
    """The first run strictly after `after`, at `run_hour` brand-local time: every day; on ISO
    weekday `run_day`; on day `run_day` of the month (1-28, so every month has it)."""
    tz, _ = brand_tz()
    local = after.astimezone(tz)
    day = local.date()
    for _ in range(400):
        if _runs_on(c, day):
            at = datetime(day.year, day.month, day.day, c.run_hour, tzinfo=tz)
            if at > after:
                return at
        day += timedelta(days=1)
    raise ValueError("no run within 400 days")  # pragma: no cover - run_day is validated


def _runs_on(c: Campaign, day: date) -> bool:
    if c.recurrence == Campaign.Recurrence.WEEKLY:
        return day.isoweekday() == c.run_day
    if c.recurrence == Campaign.Recurrence.MONTHLY:
        return day.day == c.run_day
    return True


def campaign_run(*, campaign: Campaign, at: datetime | None = None) -> CampaignRun | None:
    """Run a recurring campaign whose run is due, in one transaction under the campaign's row
    lock (a second scheduler finds it already run: the next run is in the future, and the
    (campaign, scheduled_for) key backs that up)."""
    now = at or clock.now()
    with transaction.atomic():
        c = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("segment")
            .get(pk=campaign.pk)
        )
        if (
            c.status != Campaign.Status.RUNNING
            or c.schedule != Campaign.Schedule.RECURRING
            or c.next_run_at is None
            or c.next_run_at > now
        ):
            return None
        scheduled = c.next_run_at
        c.next_run_at = next_run_after(c, now)
        if c.ends_at is not None and scheduled > c.ends_at:
            c.next_run_at = None
            c.save(update_fields=["next_run_at"])
            return None
        assert c.segment is not None
        version = segment_refresh(c.segment, trigger="campaign")
        number = CampaignRun.objects.filter(campaign=c).count() + 1
        run = CampaignRun.objects.create(
            campaign=c, number=number, scheduled_for=scheduled, segment_version=version, ran_at=now
        )
        ids = segment_version_ids(version.pk)
        if c.per_run:
            occasions = [f"run:{number}"] * len(ids)
        else:
            # Once per member: "" is the one occasion; members entered before are skipped by
            # the unique key (and left out here so the run's count is honest).
            before = set(
                CampaignMember.objects.filter(campaign=c, member_id__in=ids.tolist()).values_list(
                    "member_id", flat=True
                )
            )
            ids = np.asarray([i for i in ids.tolist() if i not in before], dtype=np.int64)
            occasions = [""] * len(ids)
        inserted = insert_entries(
            c, ids, assign_groups(c, ids), occasions=occasions, run_id=run.pk, at=now
        )
        run.entered = inserted
        run.save(update_fields=["entered"])
        c.segment_version = version
        c.save(update_fields=["next_run_at", "segment_version"])
        audit_record(
            action="campaign.run",
            target_type="campaign",
            target_id=c.pk,
            summary=f"run={number} version={version.pk} entered={run.entered}",
        )
        return run


def campaign_enter(
    *, campaign: Campaign, pairs: list[tuple[int, str]], at: datetime | None = None
) -> int:
    """Enter members of a running triggered campaign, each with its occasion. Members outside
    the campaign's segment rule (when it has one) are left out; the group is the stable hash,
    assigned now and frozen. Returns the entries actually written."""
    now = at or clock.now()
    c = campaign
    if c.status != Campaign.Status.RUNNING or (c.ends_at is not None and now > c.ends_at):
        return 0
    seen: dict[tuple[int, str], None] = {}
    for member_id, occasion in pairs:
        seen[(int(member_id), occasion[:40])] = None
    chosen = list(seen)
    if c.segment_id is not None and chosen:
        assert c.segment is not None
        rule = c.segment.rule
        chosen = [(m, o) for m, o in chosen if segment_matches(rule, m)]
    if not chosen:
        return 0
    ids = np.asarray([m for m, _ in chosen], dtype=np.int64)
    with transaction.atomic():
        inserted = insert_entries(
            c, ids, assign_groups(c, ids), occasions=[o for _, o in chosen], at=now
        )
    return inserted


def _running(trigger: str, now: datetime) -> list[Campaign]:
    return list(
        Campaign.objects.filter(
            status=Campaign.Status.RUNNING,
            schedule=Campaign.Schedule.TRIGGERED,
            trigger=trigger,
            launched_at__lte=now,
        )
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gte=now))
        .select_related("segment", "coupon_template", "store")
    )


def _first_orders(
    since: datetime, until: datetime, member_ids: list[int] | None = None
) -> list[int]:
    """Members whose first counted order was placed in [since, until)."""
    earlier = Order.objects.filter(
        member_id=OuterRef("member_id"), status__in=COUNTED, ordered_at__lt=since
    )
    query = (
        Order.objects.filter(
            status__in=COUNTED,
            member__isnull=False,
            ordered_at__gte=since,
            ordered_at__lt=until,
        )
        .exclude(member_id__in=Subquery(earlier.values("member_id")))
        .values_list("member_id", flat=True)
        .distinct()
    )
    if member_ids is not None:
        query = query.filter(member_id__in=member_ids)
    return sorted(set(query))


def on_order_paid(order_id: int) -> None:
    """Orders' paid event: a member's first counted order enters them into running
    first-purchase campaigns (occasion `first`, so a replayed event enters nobody twice)."""
    order = Order.objects.filter(pk=order_id, member__isnull=False).first()
    if order is None or order.member_id is None:
        return
    earlier = (
        Order.objects.filter(member_id=order.member_id, status__in=COUNTED)
        .filter(
            Q(ordered_at__lt=order.ordered_at) | Q(ordered_at=order.ordered_at, pk__lt=order.pk)
        )
        .exists()
    )
    if earlier:
        return
    now = clock.now()
    for c in _running(Campaign.Trigger.FIRST_PURCHASE, now):
        if c.launched_at is not None and order.ordered_at >= c.launched_at:
            campaign_enter(campaign=c, pairs=[(order.member_id, "first")], at=now)


def _birthday_members(day: date) -> list[int]:
    """Active members whose birthday is `day` (a 29 February birthday on 28 February when
    the year has no 29th)."""
    q = Q(birth_date__month=day.month, birth_date__day=day.day)
    if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
        q |= Q(birth_date__month=2, birth_date__day=29)
    return list(Member.objects.filter(q, status=Member.Status.ACTIVE).values_list("pk", flat=True))


def _sweep(c: Campaign, now: datetime) -> list[tuple[int, str]]:
    """Who triggered `c` by `now` (occasion per member): every sweep is idempotent, a member
    already entered for an occasion is skipped by the unique key."""
    T = Campaign.Trigger
    assert c.launched_at is not None
    tz, _ = brand_tz()
    if c.trigger == T.FIRST_PURCHASE:
        return [(m, "first") for m in _first_orders(c.launched_at, now)]
    if c.trigger == T.JOINED:
        since = max(c.launched_at, now - JOINED_LOOKBACK)
        ids = Member.objects.filter(
            status=Member.Status.ACTIVE, joined_at__gte=since, joined_at__lte=now
        ).values_list("pk", flat=True)
        return [(m, "joined") for m in ids]
    if c.trigger == T.BIRTHDAY:
        today = now.astimezone(tz).date()
        target = today + timedelta(days=c.trigger_value)
        return [(m, f"birthday:{target.year}") for m in _birthday_members(target)]
    if c.trigger == T.LAPSE:
        # Recency crosses N days when last_order_at + N passes: since the launch, by now.
        n = timedelta(days=c.trigger_value)
        rows = MemberFeatures.objects.filter(
            last_order_at__gte=c.launched_at - n,
            last_order_at__lte=now - n,
            member__status=Member.Status.ACTIVE,
        ).values_list("member_id", "last_order_at")
        return [
            (m, f"lapse:{at.astimezone(tz).date().isoformat()}") for m, at in rows if at is not None
        ]
    if c.trigger == T.SCAN_NO_PURCHASE:
        hours = timedelta(hours=c.trigger_value)
        bought = Order.objects.filter(
            member_id=OuterRef("member_id"),
            status__in=COUNTED,
            ordered_at__gte=OuterRef("scanned_at"),
            ordered_at__lt=ExpressionWrapper(
                OuterRef("scanned_at") + hours, output_field=DateTimeField()
            ),
        )
        scans = (
            ScanEvent.objects.filter(
                member__isnull=False,
                scanned_at__gte=max(c.launched_at, now - hours - SCAN_LOOKBACK),
                scanned_at__lte=now - hours,
            )
            .exclude(member_id__in=Subquery(bought.values("member_id")))
            .values_list("member_id", "scanned_at")
        )
        return [(m, f"scan:{at.astimezone(tz).date().isoformat()}") for m, at in scans]
    if c.trigger == T.PICKUP_UNCOLLECTED:
        ready = OrderStatusChange.objects.filter(
            to_status=Order.Status.READY,
            at__gte=c.launched_at - timedelta(hours=c.trigger_value),
            at__lte=now - timedelta(hours=c.trigger_value),
            order__status=Order.Status.READY,
            order__member__isnull=False,
        ).values_list("order__member_id", "order_id")
        return [(m, f"pickup:{o}") for m, o in ready]
    return []


def campaigns_schedules_due(*, at: datetime | None = None) -> dict[str, int]:
    """The periodic job: run due recurring campaigns, sweep every running triggered one."""
    now = at or clock.now()
    done = {"runs": 0, "entered": 0}
    for c in Campaign.objects.filter(
        status=Campaign.Status.RUNNING,
        schedule=Campaign.Schedule.RECURRING,
        next_run_at__lte=now,
    ):
        run = campaign_run(campaign=c, at=now)
        if run is not None:
            done["runs"] += 1
            done["entered"] += run.entered
    for trigger in Campaign.Trigger.values:
        for c in _running(trigger, now):
            done["entered"] += campaign_enter(campaign=c, pairs=_sweep(c, now), at=now)
    return done
