"""Writing campaigns: draft, submit, approve (audited), launch (freeze and split), fan out
(coupons and messages within the budget), close (freeze the result), clone (ADR 30)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

import numpy as np
from django.db import connection, transaction

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.audit.services import audit_record
from omniloop.campaigns.audiences import audience_check, audience_narrow
from omniloop.campaigns.holdout import held_out, new_salt
from omniloop.campaigns.models import BrandControlGroup, Campaign, CampaignMember
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniloop.insights.models import Segment, SegmentMember
from omniloop.insights.services import segment_refresh
from omniloop.messaging.outbox import messages_enqueue_for_members
from omniloop.messaging.templates import template_get
from omniloop.messaging.values import Channel
from omniloop.promotions.coupons_issue import BULK_MAX, coupon_issue_bulk
from omniloop.promotions.models import CouponTemplate
from omniloop.promotions.values import OfferKind

EDITABLE = (
    "name",
    "segment",
    "coupon_template",
    "message_template",
    "channel",
    "title",
    "body",
    "link_url",
    "send_at",
    "window_days",
    "max_coupons",
    "max_discount_fen",
    "holdout_share",
    "holdout_reason",
    "use_brand_control",
    "goal",
    "schedule",
    "recurrence",
    "run_hour",
    "run_day",
    "per_run",
    "trigger",
    "trigger_value",
    "ends_at",
    "store",
    "narrowing",
    "radius_km",
)
ALL = "all"
EVERY_CHANNEL = (Channel.WECHAT.value, Channel.SMS.value, Channel.EMAIL.value)
DRAFTERS = frozenset({Role.MARKETER.value, Role.HQ_ADMIN.value})
APPROVERS = frozenset({Role.HQ_ADMIN.value})
# Members per fan-out transaction: larger than a person's bulk issue (BULK_MAX), since every
# statement of a batch is set-based (ADR 41); the budget is still counted batch by batch.
FANOUT_BATCH = 5 * BULK_MAX


def discount_bound_fen(template: CouponTemplate) -> int:
    """The most one coupon of `template` can take off an order, in fen: what the budget in
    money is counted in. An offer without such a bound (a percentage without a cap and no
    `max_discount`) cannot be budgeted in money."""
    offer = template.offer
    params: dict[str, Any] = offer.params or {}
    bound: int | None = None
    if offer.kind == OfferKind.AMOUNT_OFF:
        bound = int(params["amount"])
    elif offer.kind == OfferKind.PERCENT_OFF and params.get("cap"):
        bound = int(params["cap"])
    elif offer.kind == OfferKind.THRESHOLD and params.get("tiers"):
        bound = max(int(off) for _, off in params["tiers"])
    elif offer.kind == OfferKind.THRESHOLD and params.get("cap"):
        bound = int(params["cap"])
    if offer.max_discount is not None:
        cap = int(offer.max_discount * 100)
        bound = cap if bound is None else min(bound, cap)
    if bound is None:
        raise ValidationFailed(
            "This offer has no upper bound per coupon: give it a maximum discount.",
            code="campaign_offer_unbounded",
        )
    return bound


def _check_schedule(c: Campaign) -> None:
    S = Campaign.Schedule
    if c.schedule not in S.values:
        raise ValidationFailed("Unknown schedule.", code="campaign_schedule_invalid")
    if c.schedule != S.TRIGGERED and c.segment_id is None:
        raise ValidationFailed("A campaign needs an audience.", code="campaign_segment_required")
    if c.schedule == S.RECURRING:
        if c.recurrence not in Campaign.Recurrence.values:
            raise ValidationFailed("Say how often it runs.", code="campaign_recurrence_invalid")
        if (
            not 0 <= c.run_hour <= 23
            or not 1 <= c.run_day <= 28
            or (c.recurrence == Campaign.Recurrence.WEEKLY and c.run_day > 7)
        ):
            raise ValidationFailed("The run time is invalid.", code="campaign_run_time_invalid")
    elif c.recurrence or c.per_run:
        raise ValidationFailed(
            "Only a recurring campaign has a recurrence.", code="campaign_recurrence_invalid"
        )
    if c.schedule == S.TRIGGERED:
        if c.trigger not in Campaign.Trigger.values:
            raise ValidationFailed("Say what triggers it.", code="campaign_trigger_invalid")
        needs_value = {"lapse": (1, 3650), "scan_no_purchase": (1, 720)}
        needs_value["pickup_uncollected"] = (1, 720)
        needs_value["birthday"] = (0, 30)
        low, high = needs_value.get(c.trigger, (0, 0))
        if not low <= c.trigger_value <= high:
            raise ValidationFailed(
                f"The trigger's value is {low}-{high}.", code="campaign_trigger_value_invalid"
            )
    elif c.trigger:
        raise ValidationFailed(
            "Only a triggered campaign has a trigger.", code="campaign_trigger_invalid"
        )


def _check(campaign: Campaign) -> None:
    if not campaign.name.strip():
        raise ValidationFailed("A campaign needs a name.", code="campaign_name_required")
    _check_schedule(campaign)
    audience_check(campaign)
    tpl = template_get(campaign.message_template)
    if tpl is None:
        raise ValidationFailed("Unknown message template.", code="template_unknown")
    if campaign.channel not in ("", ALL, *EVERY_CHANNEL):
        raise ValidationFailed("Unknown channel.", code="channel_unknown")
    if "coupon_code" in tpl.variables and campaign.coupon_template_id is None:
        raise ValidationFailed(
            "This message names the member's coupon: choose a coupon.",
            code="campaign_coupon_required",
        )
    share = Decimal(campaign.holdout_share)
    if not Decimal(0) <= share <= Decimal("0.5"):
        raise ValidationFailed("The holdout share is 0-50%.", code="campaign_holdout_share")
    if share == 0 and not campaign.holdout_reason.strip():
        raise ValidationFailed(
            "A campaign without a holdout says why.", code="campaign_holdout_reason_required"
        )
    if not 1 <= campaign.window_days <= 90:
        raise ValidationFailed("The window is 1-90 days.", code="campaign_window_invalid")
    if campaign.max_coupons is not None and campaign.max_coupons < 0:
        raise ValidationFailed("The coupon budget is >= 0.", code="campaign_budget_invalid")
    if campaign.max_discount_fen is not None:
        if campaign.max_discount_fen < 0:
            raise ValidationFailed("The money budget is >= 0.", code="campaign_budget_invalid")
        if campaign.coupon_template_id is None:
            raise ValidationFailed(
                "A money budget needs a coupon.", code="campaign_budget_without_coupon"
            )
    if campaign.coupon_template_id is not None:
        ct = campaign.coupon_template
        if ct is None or ct.code_kind != CouponTemplate.CodeKind.UNIQUE:
            raise ValidationFailed(
                "A campaign gives unique-code coupons.", code="coupon_template_shared"
            )
        campaign.discount_bound_fen = discount_bound_fen(ct)


def _require(actor: Actor, roles: frozenset[str]) -> None:
    if actor.role not in roles:
        raise PermissionDenied("Your role cannot do this.", code="campaign_forbidden")


@transaction.atomic
def campaign_draft(*, actor: Actor, name: str, segment: Segment | None, **fields: Any) -> Campaign:
    """A new draft (marketers and HQ admins). Fields are those of EDITABLE."""
    _require(actor, DRAFTERS)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"Unknown fields {sorted(unknown)}.", code="campaign_field_unknown")
    campaign = Campaign(name=name.strip()[:100], segment=segment, salt=new_salt(), **fields)
    campaign.created_by_id = actor.user_id
    _check(campaign)
    campaign.save()
    audit_record(
        action="campaign.draft", actor=actor, target_type="campaign", target_id=campaign.pk
    )
    return campaign


def _locked(campaign_id: int) -> Campaign:
    return Campaign.objects.select_for_update().get(pk=campaign_id)


@transaction.atomic
def campaign_update(*, actor: Actor, campaign: Campaign, **changes: Any) -> Campaign:
    """Change a draft (a campaign awaiting approval goes back to draft when changed)."""
    _require(actor, DRAFTERS)
    c = _locked(campaign.pk)
    if c.status not in (Campaign.Status.DRAFT, Campaign.Status.PENDING):
        raise Conflict("Only a draft can be changed.", code="campaign_not_draft")
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(f"Unknown fields {sorted(unknown)}.", code="campaign_field_unknown")
    for key, value in changes.items():
        setattr(c, key, value)
    c.status = Campaign.Status.DRAFT
    _check(c)
    c.save()
    audit_record(action="campaign.update", actor=actor, target_type="campaign", target_id=c.pk)
    return c


@transaction.atomic
def campaign_submit(*, actor: Actor, campaign: Campaign) -> Campaign:
    _require(actor, DRAFTERS)
    c = _locked(campaign.pk)
    if c.status != Campaign.Status.DRAFT:
        raise Conflict("Only a draft is submitted.", code="campaign_not_draft")
    c.status = Campaign.Status.PENDING
    c.save(update_fields=["status"])
    audit_record(action="campaign.submit", actor=actor, target_type="campaign", target_id=c.pk)
    return c


@transaction.atomic
def campaign_approve(*, actor: Actor, campaign: Campaign) -> Campaign:
    """HQ admin approves a submitted campaign (four eyes: not one they drafted themselves,
    unless they are the only kind of user who could). Audited."""
    _require(actor, APPROVERS)
    c = _locked(campaign.pk)
    if c.status != Campaign.Status.PENDING:
        raise Conflict("Only a submitted campaign is approved.", code="campaign_not_pending")
    _check(c)
    c.status = Campaign.Status.APPROVED
    c.approved_by_id, c.approved_at = actor.user_id, clock.now()
    c.save()
    audit_record(
        action="campaign.approve",
        actor=actor,
        target_type="campaign",
        target_id=c.pk,
        summary=f"budget coupons={c.max_coupons} fen={c.max_discount_fen}"
        f" holdout={c.holdout_share}",
    )
    return c


@transaction.atomic
def campaign_cancel(*, actor: Actor, campaign: Campaign) -> Campaign:
    _require(actor, DRAFTERS)
    c = _locked(campaign.pk)
    if c.status not in (Campaign.Status.DRAFT, Campaign.Status.PENDING, Campaign.Status.APPROVED):
        raise Conflict("A launched campaign runs to its end.", code="campaign_launched")
    c.status = Campaign.Status.CANCELLED
    c.save(update_fields=["status"])
    audit_record(action="campaign.cancel", actor=actor, target_type="campaign", target_id=c.pk)
    return c


def brand_control() -> BrandControlGroup:
    row = BrandControlGroup.objects.first()
    if row is None:
        row = BrandControlGroup.objects.create(salt=new_salt())
    return row


def assign_groups(campaign: Campaign, member_ids: np.ndarray) -> np.ndarray:
    """The group of each member: 'control' (brand-wide, when honoured), else 'holdout' by the
    campaign's hash, else 'treated'. Pure function of the salts and ids."""
    groups = np.full(member_ids.shape, CampaignMember.Group.TREATED.value, dtype=object)
    groups[held_out(campaign.salt, campaign.holdout_share, member_ids)] = "holdout"
    if campaign.use_brand_control:
        control = brand_control()
        groups[held_out(control.salt, control.share, member_ids)] = "control"
    return groups


def insert_entries(
    c: Campaign,
    ids: np.ndarray,
    groups: np.ndarray,
    *,
    occasions: list[str] | None = None,
    run_id: int | None = None,
    at: datetime,
) -> int:
    """Write entries (one per member and occasion) with their group and outcome window, set-
    based; an entry that exists already is left alone (ON CONFLICT DO NOTHING on the unique
    campaign-member-occasion key, so racing triggers and retries enter a member once). Treated
    entrants of a campaign with a journey start walking it (state `journey`; only then are the
    inserted rows read back). Returns how many entries were written."""
    from omniloop.campaigns.journeys import journey_has_steps, journey_start

    if not len(ids):
        return 0
    table = CampaignMember._meta.db_table
    until = at + timedelta(days=c.window_days)
    occ = occasions if occasions is not None else [""] * len(ids)
    journey = journey_has_steps(c.pk)
    states = [
        "journey" if journey and g == CampaignMember.Group.TREATED else "pending"
        for g in groups.tolist()
    ]
    pg = connection.vendor == "postgresql"
    cols = 'campaign_id, member_id, "group", state, occasion, run_id, entered_at, window_until'
    if pg:
        source = (
            "SELECT %s, m, g, s, o, %s, %s, %s FROM "
            "unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS u(m, g, s, o)"
        )
        rows: list[Any] = [ids.tolist(), groups.tolist(), states, occ]
    else:
        source = (
            "SELECT %s, json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), %s, %s, %s "
            "FROM json_each(%s) WHERE true"
        )
        rows = [json.dumps(list(zip(ids.tolist(), groups.tolist(), states, occ, strict=True)))]
    params = [c.pk, run_id, at, until, *rows]
    returning = ' RETURNING id, member_id, "group"' if journey else ""
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {table} ({cols}) {source} "
            f"ON CONFLICT (campaign_id, member_id, occasion) DO NOTHING{returning}",
            params,
        )
        if not journey:
            return int(cur.rowcount)
        out = [(int(i), int(m), str(g)) for i, m, g in cur.fetchall()]
    journey_start(c, [(i, m) for i, m, g in out if g == CampaignMember.Group.TREATED], at=at)
    return len(out)


@transaction.atomic
def campaign_launch(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    """Freeze the audience (a new segment version), split it and record every member's group,
    all in one transaction. A draft or a campaign not yet approved never launches; a second
    launch is refused (the row lock makes two racing launches one)."""
    c = _locked(campaign.pk)
    if c.status != Campaign.Status.APPROVED:
        raise Conflict("Only an approved campaign is launched.", code="campaign_not_approved")
    now = at or clock.now()
    c.status = Campaign.Status.RUNNING
    c.launched_at = now
    if c.schedule != Campaign.Schedule.ONE_OFF:
        # Entries come later, run by run or trigger by trigger (`campaigns.schedules`).
        from omniloop.campaigns.schedules import next_run_after

        c.window_ends_at = c.ends_at + timedelta(days=c.window_days) if c.ends_at else None
        if c.schedule == Campaign.Schedule.RECURRING:
            c.next_run_at = next_run_after(c, now - timedelta(seconds=1))
        c.save()
        audit_record(
            action="campaign.launch",
            target_type="campaign",
            target_id=c.pk,
            summary=f"schedule={c.schedule} {c.recurrence or c.trigger}",
        )
        return c
    assert c.segment is not None
    version = segment_refresh(c.segment, trigger="campaign")
    ids = audience_narrow(c, segment_version_ids(version.pk))
    insert_entries(c, ids, assign_groups(c, ids), at=now)
    c.segment_version = version
    c.window_ends_at = now + timedelta(days=c.window_days)
    c.save()
    audit_record(
        action="campaign.launch",
        target_type="campaign",
        target_id=c.pk,
        summary=f"audience={version.member_count} version={version.pk}",
    )
    return c


def segment_version_ids(version_id: int) -> np.ndarray:
    ids = np.fromiter(
        SegmentMember.objects.filter(version_id=version_id).values_list("member_id", flat=True),
        dtype=np.int64,
    )
    ids.sort()
    return ids


def _take_budget(c: Campaign, wanted: int) -> int:
    """How many of `wanted` coupons the budget still allows, counted now (the campaign row is
    locked by the caller until commit)."""
    room = wanted
    if c.max_coupons is not None:
        room = min(room, c.max_coupons - c.coupons_issued)
    if c.max_discount_fen is not None and c.discount_bound_fen > 0:
        room = min(room, (c.max_discount_fen - c.discount_committed_fen) // c.discount_bound_fen)
    return max(room, 0)


@dataclass(frozen=True)
class FanoutBatch:
    claimed: int
    sent: int
    over_budget: int
    skipped: int


class Entry(NamedTuple):
    pk: int
    member_id: int
    occasion: str


def _claim(campaign_id: int, size: int) -> list[Entry]:
    """Up to `size` pending treated entries in member order: a range of the (campaign, group,
    state, member) index, so a claim costs the same at the first batch and the last."""
    query = CampaignMember.objects.filter(
        campaign_id=campaign_id, group=CampaignMember.Group.TREATED, state="pending"
    ).order_by("member_id")
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True)
    return [Entry(*row) for row in query.values_list("pk", "member_id", "occasion")[:size]]


def campaign_fanout_batch(*, campaign_id: int, size: int = FANOUT_BATCH) -> FanoutBatch:
    """One fan-out step, in one transaction: claim up to `size` pending treated members (SKIP
    LOCKED, so parallel workers take different ones), take budget for them on the locked
    campaign row, issue their coupons set-based and queue their messages (each naming the
    member's own coupon code, ADR 35). Members beyond the budget are marked over budget; a
    coupon the template refuses (its own limit, a member already holding one) gives the budget
    slot back. Entries of several occasions (a recurring campaign's runs, triggers) are given
    occasion by occasion: a message's dedupe key carries the occasion."""
    with transaction.atomic():
        rows = _claim(campaign_id, size)
        if not rows:
            return FanoutBatch(0, 0, 0, 0)
        c = (
            Campaign.objects.select_for_update(of=("self",))
            .select_related("coupon_template")
            .get(pk=campaign_id)
        )
        if c.status != Campaign.Status.RUNNING:
            raise Conflict("The campaign is not running.", code="campaign_not_running")
        by_occasion: dict[str, list[Entry]] = {}
        for r in rows:
            by_occasion.setdefault(r.occasion, []).append(r)
        sent_rows: set[int] = set()
        over_rows: set[int] = set()
        coupon_of_row: dict[int, int] = {}
        for occasion, part in by_occasion.items():
            given = give(c, [r.member_id for r in part], occasion=occasion)
            for r in part:
                if r.member_id in given.sent:
                    sent_rows.add(r.pk)
                    if r.member_id in given.coupon_of:
                        coupon_of_row[r.pk] = given.coupon_of[r.member_id]
                elif r.member_id in given.over:
                    over_rows.add(r.pk)
        _mark(rows, sent_rows, over_rows, coupon_of_row)
        return FanoutBatch(
            len(rows), len(sent_rows), len(over_rows), len(rows) - len(sent_rows) - len(over_rows)
        )


@dataclass(frozen=True)
class Given:
    sent: set[int]
    over: set[int]
    coupon_of: dict[int, int]
    code_of: dict[int, str]


def give(
    c: Campaign,
    member_ids: list[int],
    *,
    occasion: str,
    title: str = "",
    body: str = "",
    with_coupon: bool = True,
    key: str = "",
) -> Given:
    """Coupons (within the budget) and messages to `member_ids` (distinct), in the caller's
    transaction, with the campaign row locked by the caller. The message names each member's
    own coupon code when the template asks for it (`{coupon_code}`)."""
    coupon_of: dict[int, int] = {}
    code_of: dict[int, str] = {}
    template = c.coupon_template if with_coupon else None
    if template is not None:
        allowed = _take_budget(c, len(member_ids))
        chosen = member_ids[:allowed]
        if chosen:
            report = coupon_issue_bulk(
                template=template,
                member_ids=chosen,
                source="campaign",
                max_members=max(len(chosen), BULK_MAX),
            )
            coupon_of = {i.member_id: i.coupon_id for i in report.issued}
            code_of = {i.member_id: i.code for i in report.issued}
        issued = [m for m in chosen if m in coupon_of]
    else:
        allowed, issued = len(member_ids), list(member_ids)
    c.coupons_issued += len(coupon_of)
    c.discount_committed_fen += len(coupon_of) * c.discount_bound_fen
    c.save(update_fields=["coupons_issued", "discount_committed_fen"])
    prefix = key or (f"campaign:{c.pk}:{occasion}" if occasion else f"campaign:{c.pk}")
    # "Every channel" (a new-product push): one message per channel, each with its own key.
    channels = [(ch, f"{prefix}:{ch}") for ch in EVERY_CHANNEL] if c.channel == ALL else None
    ctx, own = _context(c, title=title, body=body), _coupon_context(c, code_of)
    names_coupon = "coupon_code" in (template_get(c.message_template) or _NO_TEMPLATE).variables
    # A step without a coupon cannot name one: it goes out as a plain promotion.
    message_template = "promotion" if names_coupon and not coupon_of else c.message_template
    for channel, dedupe in channels or [(c.channel, prefix)]:
        messages_enqueue_for_members(
            member_ids=issued,
            template=message_template,
            context=ctx,
            member_context=own,
            channel=channel,
            dedupe_prefix=dedupe,
            cause=f"campaign:{c.pk}",
        )
    return Given(set(issued), set(member_ids[allowed:]), coupon_of, code_of)


def _coupon_context(c: Campaign, code_of: dict[int, str]) -> dict[int, dict[str, str]]:
    """Each member's own coupon (the code the issue returned), for a template that names it."""
    variables = (template_get(c.message_template) or _NO_TEMPLATE).variables
    if not code_of or "coupon_code" not in variables:
        return {}
    return {m: {"coupon_code": code} for m, code in code_of.items()}


def _mark(rows: list[Entry], sent: set[int], over: set[int], coupon_of: dict[int, int]) -> None:
    """Record each claimed entry's outcome (by entry id): set-based, one UPDATE per outcome
    (and, on PostgreSQL, one UPDATE ... FROM unnest for the coupon ids)."""
    by_state: dict[str, list[int]] = {"sent": [], "over_budget": [], "skipped": []}
    for r in rows:
        state = "sent" if r.pk in sent else "over_budget" if r.pk in over else "skipped"
        if not (state == "sent" and r.pk in coupon_of):
            by_state[state].append(r.pk)
    for state, pks in by_state.items():
        if pks:
            CampaignMember.objects.filter(pk__in=pks).update(state=state)
    if not coupon_of:
        return
    pairs = list(coupon_of.items())
    table = CampaignMember._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                f"UPDATE {table} cm SET state = 'sent', coupon_id = u.c "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::bigint[]) AS u(i, c) WHERE cm.id = u.i",
                [[p for p, _ in pairs], [c for _, c in pairs]],
            )
        else:
            cur.executemany(
                f"UPDATE {table} SET state = 'sent', coupon_id = %s WHERE id = %s",  # noqa: S608
                [(c, p) for p, c in pairs],
            )


def campaign_fanout(*, campaign_id: int, size: int = FANOUT_BATCH) -> int:
    """Run fan-out batches until no pending treated member is left; returns members sent."""
    total = 0
    while True:
        batch = campaign_fanout_batch(campaign_id=campaign_id, size=size)
        if not batch.claimed:
            return total
        total += batch.sent


def _context(c: Campaign, *, title: str = "", body: str = "") -> dict[str, str]:
    ctx = {
        "brand": brand_settings().name,
        "title": title or c.title or c.name,
        "body": body or c.body,
    }
    variables = (template_get(c.message_template) or _NO_TEMPLATE).variables
    if "link_url" in variables:
        ctx["link_url"] = c.link_url
    if "store" in variables:
        ctx["store"] = c.store.name if c.store_id and c.store else ""
    return ctx


class _NoTemplate:
    variables: frozenset[str] = frozenset()


_NO_TEMPLATE = _NoTemplate()


@transaction.atomic
def campaign_clone(*, actor: Actor, campaign: Campaign, **changes: Any) -> Campaign:
    """ "Act" on a report: a new draft like `campaign`, with `changes` and a fresh salt (so the
    new holdout is a new random split, not the same members held out again)."""
    fields = {k: getattr(campaign, k) for k in EDITABLE if k not in ("name", "segment")}
    fields.update({k: v for k, v in changes.items() if k not in ("name", "segment")})
    clone = campaign_draft(
        actor=actor,
        name=changes.get("name") or f"{campaign.name} (2)",
        segment=changes.get("segment") or campaign.segment,
        **fields,
    )
    clone.cloned_from = campaign
    clone.playbook = campaign.playbook
    clone.save(update_fields=["cloned_from", "playbook"])
    from omniloop.campaigns.journeys import journey_copy

    journey_copy(campaign, clone)
    return clone
