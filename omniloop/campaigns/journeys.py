"""Simple journeys (旅程, ADR 35): trigger -> wait -> condition -> action, per entrant.

A campaign's journey is its steps in order (`JourneyStep`): wait a duration; a condition (a
segment rule over the member, evaluated for that one member by insights, or "has purchased
since entry"), which ends the journey when not met (or when met, negated); send a message with
or without the campaign's coupon (within the budget); end. Each treated entrant gets a
`JourneyState` (the next step and when it is due). The periodic job `journeys_advance` claims
due states with SELECT ... FOR UPDATE SKIP LOCKED (parallel workers take different ones) and
walks each as far as it goes now, in one transaction per state. Every step passed writes a
`JourneyAction` under the unique key (state, position): a worker killed mid-step rolls back its
coupon, message and action together, and the next worker does the step once; a message's
dedupe key (`journey:<state>:<position>`) backs the same up in the outbox."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count

from omniloop.accounts.access import Actor
from omniloop.audit.services import audit_record
from omniloop.campaigns.models import Campaign, CampaignMember, JourneyAction, JourneyState
from omniloop.campaigns.models import JourneyStep as Step
from omniloop.campaigns.report import COUNTED_ORDER as COUNTED
from omniloop.core import clock
from omniloop.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniloop.insights.selectors import rule_check, segment_matches
from omniloop.orders.models import Order

log = logging.getLogger(__name__)
MAX_STEPS = 20
MAX_WAIT_HOURS = 24 * 90
ADVANCE_BATCH = 200
RETRY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class StepSpec:
    """One step as the editor sends it (a typed value, checked by `journey_save`)."""

    kind: str
    wait_hours: int = 0
    condition: str = ""
    rule: Any = None
    negate: bool = False
    with_coupon: bool = False
    title: str = ""
    body: str = ""


def journey_has_steps(campaign_id: int) -> bool:
    return Step.objects.filter(campaign_id=campaign_id).exists()


def journey_steps(campaign_id: int) -> list[Step]:
    return list(Step.objects.filter(campaign_id=campaign_id).order_by("position"))


def _check_step(i: int, s: StepSpec) -> None:
    where = f"step {i + 1}"
    if s.kind not in Step.Kind.values:
        raise ValidationFailed(f"{where}: unknown kind.", code="journey_step_kind")
    if s.kind == Step.Kind.WAIT and not 1 <= s.wait_hours <= MAX_WAIT_HOURS:
        raise ValidationFailed(
            f"{where}: wait 1-{MAX_WAIT_HOURS} hours.", code="journey_wait_invalid"
        )
    if s.kind == Step.Kind.CONDITION:
        if s.condition not in ("purchased", "rule"):
            raise ValidationFailed(f"{where}: unknown condition.", code="journey_condition")
        if s.condition == "rule":
            rule_check(s.rule)  # a bad rule is a 422 with its own code and path
    if s.kind == Step.Kind.SEND and (len(s.title) > 60 or len(s.body) > 200):
        raise ValidationFailed(f"{where}: the text is too long.", code="journey_text_too_long")


@transaction.atomic
def journey_save(*, actor: Actor, campaign: Campaign, steps: list[StepSpec]) -> list[Step]:
    """Replace a draft campaign's journey with `steps` (in order). An empty list removes the
    journey (the campaign then sends once, on entry). Audited; a submitted campaign goes back
    to draft, as any change does."""
    from omniloop.campaigns.services import DRAFTERS

    if actor.role not in DRAFTERS:
        raise PermissionDenied("Your role cannot do this.", code="campaign_forbidden")
    c = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if c.status not in (Campaign.Status.DRAFT, Campaign.Status.PENDING):
        raise Conflict("Only a draft can be changed.", code="campaign_not_draft")
    if len(steps) > MAX_STEPS:
        raise ValidationFailed(f"At most {MAX_STEPS} steps.", code="journey_too_long")
    for i, s in enumerate(steps):
        _check_step(i, s)
    if steps and not any(s.kind == Step.Kind.SEND for s in steps):
        raise ValidationFailed("A journey sends something.", code="journey_without_send")
    Step.objects.filter(campaign=c).delete()
    rows = _write(c, steps)
    c.status = Campaign.Status.DRAFT
    c.save(update_fields=["status"])
    audit_record(
        action="campaign.journey",
        actor=actor,
        target_type="campaign",
        target_id=c.pk,
        summary=" -> ".join(s.kind for s in steps) or "removed",
    )
    return rows


def _write(c: Campaign, steps: list[StepSpec]) -> list[Step]:
    """The steps as rows, in order; only the fields of each step's kind are kept."""
    return Step.objects.bulk_create(
        Step(
            campaign=c,
            position=i,
            kind=s.kind,
            wait_hours=s.wait_hours if s.kind == Step.Kind.WAIT else 0,
            condition=s.condition if s.kind == Step.Kind.CONDITION else "",
            rule=s.rule if s.kind == Step.Kind.CONDITION and s.condition == "rule" else None,
            negate=bool(s.negate) if s.kind == Step.Kind.CONDITION else False,
            with_coupon=bool(s.with_coupon) if s.kind == Step.Kind.SEND else False,
            title=s.title.strip()[:60] if s.kind == Step.Kind.SEND else "",
            body=s.body.strip()[:200] if s.kind == Step.Kind.SEND else "",
        )
        for i, s in enumerate(steps)
    )


def journey_copy(source: Campaign, target: Campaign) -> None:
    """A clone's journey: the same steps."""
    _write(
        target,
        [
            StepSpec(
                kind=s.kind,
                wait_hours=s.wait_hours,
                condition=s.condition,
                rule=s.rule,
                negate=s.negate,
                with_coupon=s.with_coupon,
                title=s.title,
                body=s.body,
            )
            for s in journey_steps(source.pk)
        ],
    )


def journey_start(c: Campaign, entries: list[tuple[int, int]], *, at: datetime) -> int:
    """A state at the first step, due now, for each (entry id, member id)."""
    JourneyState.objects.bulk_create(
        (
            JourneyState(
                entry_id=e, campaign_id=c.pk, member_id=m, position=0, due_at=at, entered_at=at
            )
            for e, m in entries
        ),
        batch_size=2000,
        ignore_conflicts=True,
    )
    return len(entries)


def _claim(size: int, now: datetime) -> list[int]:
    query = JourneyState.objects.filter(status=JourneyState.Status.ACTIVE, due_at__lte=now)
    query = query.order_by("due_at", "pk")
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True)
    return list(query.values_list("pk", flat=True)[:size])


def _condition_met(step: Step, state: JourneyState) -> bool:
    if step.condition == "purchased":
        met = Order.objects.filter(
            member_id=state.member_id, status__in=COUNTED, ordered_at__gte=state.entered_at
        ).exists()
    else:
        met = segment_matches(step.rule, state.member_id)
    return met != step.negate


def _act(state: JourneyState, position: int, outcome: str, now: datetime, **kw: Any) -> bool:
    """Record one passed step; False when it was recorded already (never do it twice)."""
    try:
        with transaction.atomic():
            JourneyAction.objects.create(
                state=state,
                campaign_id=state.campaign_id,
                position=position,
                outcome=outcome,
                at=now,
                **kw,
            )
    except IntegrityError:
        return False
    return True


def _send(c: Campaign, step: Step, state: JourneyState, now: datetime) -> None:
    from omniloop.campaigns.services import give

    locked = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("coupon_template", "store")
        .get(pk=c.pk)
    )
    given = give(
        locked,
        [state.member_id],
        occasion="",
        title=step.title,
        body=step.body,
        with_coupon=step.with_coupon,
        key=f"journey:{state.pk}:{step.position}",
    )
    coupon = given.coupon_of.get(state.member_id)
    outcome = "sent" if state.member_id in given.sent else "over_budget"
    if not _act(state, step.position, outcome, now, coupon_id=coupon):
        raise IntegrityError("journey step done twice")  # roll the give back
    if coupon is not None:
        CampaignMember.objects.filter(pk=state.entry_id, coupon__isnull=True).update(
            coupon_id=coupon
        )


def journey_advance_one(state_id: int, *, now: datetime) -> str:
    """Walk one due state as far as it goes now, in the caller's transaction (the state row
    is locked). Returns its status afterwards."""
    state = JourneyState.objects.select_for_update().get(pk=state_id)
    if state.status != JourneyState.Status.ACTIVE or state.due_at > now:
        return state.status
    c = Campaign.objects.get(pk=state.campaign_id)
    steps = journey_steps(c.pk)
    while True:
        if state.position >= len(steps):
            state.status = JourneyState.Status.DONE
            break
        step = steps[state.position]
        if step.kind == Step.Kind.WAIT:
            if _act(state, step.position, "waited", now):
                state.due_at = now + timedelta(hours=step.wait_hours)
                state.position += 1
                break
            state.position += 1  # waited before (a retry): go on
            continue
        if step.kind == Step.Kind.CONDITION:
            if not _condition_met(step, state):
                _act(state, step.position, "exited", now)
                state.status = JourneyState.Status.EXITED
                break
            _act(state, step.position, "passed", now)
        elif step.kind == Step.Kind.SEND:
            if c.status != Campaign.Status.RUNNING:
                state.status = JourneyState.Status.EXITED
                break
            if not JourneyAction.objects.filter(state=state, position=step.position).exists():
                _send(c, step, state, now)
        else:
            _act(state, step.position, "ended", now)
            state.status = JourneyState.Status.DONE
            break
        state.position += 1
    state.save(update_fields=["position", "status", "due_at", "updated_at"])
    return state.status


def journeys_advance(*, at: datetime | None = None, size: int = ADVANCE_BATCH) -> int:
    """The periodic job: claim due states (SKIP LOCKED) and advance each in its own
    transaction. A state whose step fails is retried later, nothing of it written."""
    now = at or clock.now()
    advanced = 0
    while True:
        with transaction.atomic():
            ids = _claim(size, now)
            if not ids:
                return advanced
            for state_id in ids:
                try:
                    with transaction.atomic():
                        journey_advance_one(state_id, now=now)
                        advanced += 1
                except Exception:
                    log.exception("journey state %s failed", state_id)
                    JourneyState.objects.filter(pk=state_id).update(due_at=now + RETRY_AFTER)
        if len(ids) < size:
            return advanced


def journey_counts(campaign_id: int) -> list[dict[str, Any]]:
    """Per step: how many entrants passed it, by outcome, and how many wait there now."""
    steps = journey_steps(campaign_id)
    done: dict[int, dict[str, int]] = {}
    for position, outcome, n in (
        JourneyAction.objects.filter(campaign_id=campaign_id)
        .values("position", "outcome")
        .annotate(n=Count("pk"))
        .values_list("position", "outcome", "n")
    ):
        done.setdefault(position, {})[outcome] = n
    waiting = dict(
        JourneyState.objects.filter(campaign_id=campaign_id, status=JourneyState.Status.ACTIVE)
        .values("position")
        .annotate(n=Count("pk"))
        .values_list("position", "n")
    )
    out = []
    for s in steps:
        o = done.get(s.position, {})
        out.append(
            {
                "step": s,
                "outcomes": o,
                "at": waiting.get(s.position, 0),
                "passed": o.get("passed", 0) + o.get("waited", 0),
                "left": o.get("exited", 0) + o.get("ended", 0),
                "sent": o.get("sent", 0),
                "over_budget": o.get("over_budget", 0),
            }
        )
    return out
