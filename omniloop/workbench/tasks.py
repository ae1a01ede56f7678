"""Follow-up tasks (跟进任务), computed on read from the data they are about: birthdays in the
next week (store-local days), members lapsing (their last order 90 to 180 days ago: the
insights lifecycle's `at_risk` band, read from the last order time so it is never stale),
pickups ready at the store, and open tickets of the store's (an assistant: their members', those
assigned to them and the store's that are nobody's yet). A task done is kept under its occasion
key, so it never comes back for the same occasion (next year's birthday, the next lapse, a new
message on the ticket do)."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest

from omniloop.accounts.access import Actor
from omniloop.audit.services import audit_record
from omniloop.core import clock
from omniloop.core.errors import NotFound, ValidationFailed
from omniloop.inbox.access import tickets_for_actor
from omniloop.inbox.models import OPEN_STATUSES
from omniloop.insights.models import MemberFeatures
from omniloop.orders.models import Order
from omniloop.orders.pickup import pickup_queue
from omniloop.stores.models import Store
from omniloop.workbench.models import FollowUpDone, TaskKind
from omniloop.workbench.scope import mine_only, scope_members, workbench_user_id
from omniloop.workbench.values import FollowUpTask

BIRTHDAY_DAYS = 7
LAPSING_FROM_DAYS = 90
LAPSING_TO_DAYS = 180
LIMIT_PER_KIND = 50
NOTE_MAX = 500


def store_today(store_id: int, at: datetime | None = None) -> date:
    zone = Store.objects.filter(pk=store_id).values_list("timezone", flat=True).first()
    return (at or clock.now()).astimezone(zoneinfo.ZoneInfo(zone or "Asia/Shanghai")).date()


def next_birthday(born: date, today: date) -> date:
    """The next birthday on or after `today`; 29 February falls on the 28th in other years."""
    for year in (today.year, today.year + 1):
        try:
            day = born.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today:
            return day
    raise AssertionError("unreachable")  # pragma: no cover


def _birthdays(actor: Actor, today: date) -> list[FollowUpTask]:
    last = today + timedelta(days=BIRTHDAY_DAYS - 1)
    months = {today.month, last.month}
    found = []
    rows = (
        scope_members(actor)
        .filter(birth_date__isnull=False, birth_date__month__in=months)
        .values_list("pk", "name", "code", "birth_date")
    )
    for member_id, name, code, born in rows:
        day = next_birthday(born, today) if born else None
        if day is not None and day <= last:
            found.append(
                FollowUpTask(
                    kind=TaskKind.BIRTHDAY,
                    occasion=f"birthday:{member_id}:{day.year}",
                    title=name or code,
                    detail=day.isoformat(),
                    member_id=member_id,
                    due=day,
                )
            )
    return sorted(found, key=lambda t: (t.due or today, t.member_id or 0))[:LIMIT_PER_KIND]


def _lapsing(actor: Actor, now: datetime) -> list[FollowUpTask]:
    members = scope_members(actor).values("pk")
    rows = (
        MemberFeatures.objects.filter(
            member_id__in=members,
            last_order_at__lt=now - timedelta(days=LAPSING_FROM_DAYS),
            last_order_at__gte=now - timedelta(days=LAPSING_TO_DAYS),
        )
        .order_by("-spend_365d", "member_id")
        .values_list("member_id", "member__name", "member__code", "last_order_at")[:LIMIT_PER_KIND]
    )
    return [
        FollowUpTask(
            kind=TaskKind.LAPSING,
            occasion=f"lapsing:{member_id}:{last_order:%Y%m%d}",
            title=name or code,
            detail=last_order.date().isoformat(),
            member_id=member_id,
            due=last_order.date(),
        )
        for member_id, name, code, last_order in rows
        if last_order is not None
    ]


def _pickups(actor: Actor) -> list[FollowUpTask]:
    ready = pickup_queue(store_id=actor.own_store_id).filter(status=Order.Status.READY)
    return [
        FollowUpTask(
            kind=TaskKind.PICKUP,
            occasion=f"pickup:{order.number}",
            title=order.number,
            detail=order.pickup_expires_at.date().isoformat() if order.pickup_expires_at else "",
            member_id=order.member_id,
            due=order.pickup_expires_at.date() if order.pickup_expires_at else None,
            link_ref=order.number,
        )
        for order in ready[:LIMIT_PER_KIND]
    ]


def _tickets(actor: Actor, user_id: int) -> list[FollowUpTask]:
    qs = tickets_for_actor(actor=actor).filter(status__in=OPEN_STATUSES)
    if mine_only(actor):
        # Theirs (assigned to them, or about a member bound to them) and the store's that are
        # nobody's yet (no assignee, and no member or a member with no assistant).
        unowned = Q(assignee__isnull=True) & (
            Q(member__isnull=True) | Q(member__binding__assistant__isnull=True)
        )
        qs = qs.filter(Q(assignee_id=user_id) | Q(member__binding__assistant_id=user_id) | unowned)
    return [
        FollowUpTask(
            kind=TaskKind.TICKET,
            occasion=f"ticket:{t.pk}:{t.last_inbound_at:%Y%m%d%H%M%S}",
            title=t.summary,
            detail=t.number,
            member_id=t.member_id,
            due=t.resolution_due.date(),
            link_ref=str(t.pk),
        )
        for t in qs.order_by("resolution_due", "pk")[:LIMIT_PER_KIND]
    ]


def followup_tasks(*, actor: Actor, at: datetime | None = None) -> list[FollowUpTask]:
    """The actor's open follow-up tasks now, those done for their occasion left out."""
    user_id = workbench_user_id(actor)
    now = at or clock.now()
    today = store_today(actor.own_store_id, now)
    tasks = [
        *_birthdays(actor, today),
        *_lapsing(actor, now),
        *_pickups(actor),
        *_tickets(actor, user_id),
    ]
    done = set(
        FollowUpDone.objects.filter(
            assistant_id=user_id, occasion__in=[t.occasion for t in tasks]
        ).values_list("occasion", flat=True)
    )
    return [t for t in tasks if t.occasion not in done]


def followup_done(
    *,
    actor: Actor,
    occasion: str,
    note: str = "",
    request: HttpRequest | None = None,
    at: datetime | None = None,
) -> FollowUpDone:
    """Mark one of the actor's current tasks done, with a note; audited. Only a task the actor
    has now can be closed (anything else is 404, nothing written); closing it again returns the
    first record and writes nothing."""
    user_id = workbench_user_id(actor)
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(
            "The note is too long (at most 500 characters).", code="workbench_note_too_long"
        )
    known = FollowUpDone.objects.filter(assistant_id=user_id, occasion=occasion[:96]).first()
    if known is not None:
        return known
    task = next((t for t in followup_tasks(actor=actor, at=at) if t.occasion == occasion), None)
    if task is None:
        raise NotFound("Task not found.", code="workbench_task_not_found")
    try:
        with transaction.atomic():
            done = FollowUpDone.objects.create(
                assistant_id=user_id,
                kind=task.kind,
                occasion=task.occasion,
                member_id=task.member_id,
                note=note,
                done_at=at or clock.now(),
            )
            audit_record(
                action="workbench.task_done",
                actor=actor,
                request=request,
                target_type="workbench_task",
                target_id=task.occasion,
                summary=note[:200],
            )
    except IntegrityError:  # a parallel click closed it first
        return FollowUpDone.objects.get(assistant_id=user_id, occasion=task.occasion)
    return done
