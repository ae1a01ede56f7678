"""Writing campaigns: draft, submit, approve (audited), launch (freeze and split), fan out
(coupons and messages within the budget), close (freeze the result), clone (ADR 30)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connection, transaction

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.audit.services import audit_record
from omniloop.campaigns.holdout import held_out, new_salt
from omniloop.campaigns.models import BrandControlGroup, Campaign, CampaignMember
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniloop.insights.models import Segment, SegmentMember
from omniloop.insights.services import segment_refresh
from omniloop.messaging.outbox import messages_enqueue_for_members
from omniloop.messaging.templates import template_get
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
)
DRAFTERS = frozenset({Role.MARKETER.value, Role.HQ_ADMIN.value})
APPROVERS = frozenset({Role.HQ_ADMIN.value})
FANOUT_BATCH = BULK_MAX


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


def _check(campaign: Campaign) -> None:
    if not campaign.name.strip():
        raise ValidationFailed("A campaign needs a name.", code="campaign_name_required")
    tpl = template_get(campaign.message_template)
    if tpl is None:
        raise ValidationFailed("Unknown message template.", code="template_unknown")
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
def campaign_draft(*, actor: Actor, name: str, segment: Segment, **fields: Any) -> Campaign:
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


def _insert_members(campaign_id: int, ids: np.ndarray, groups: np.ndarray) -> None:
    table = CampaignMember._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                f'INSERT INTO {table} (campaign_id, member_id, "group", state) '  # noqa: S608
                "SELECT %s, m, g, 'pending' FROM unnest(%s::bigint[], %s::text[]) AS u(m, g)",
                [campaign_id, ids.tolist(), groups.tolist()],
            )
        return
    CampaignMember.objects.bulk_create(
        (
            CampaignMember(campaign_id=campaign_id, member_id=int(m), group=str(g))
            for m, g in zip(ids.tolist(), groups.tolist(), strict=True)
        ),
        batch_size=5000,
    )


@transaction.atomic
def campaign_launch(*, campaign: Campaign, at: datetime | None = None) -> Campaign:
    """Freeze the audience (a new segment version), split it and record every member's group,
    all in one transaction. A draft or a campaign not yet approved never launches; a second
    launch is refused (the row lock makes two racing launches one)."""
    c = _locked(campaign.pk)
    if c.status != Campaign.Status.APPROVED:
        raise Conflict("Only an approved campaign is launched.", code="campaign_not_approved")
    now = at or clock.now()
    version = segment_refresh(c.segment, trigger="campaign")
    ids = np.fromiter(
        SegmentMember.objects.filter(version=version).values_list("member_id", flat=True),
        dtype=np.int64,
    )
    ids.sort()
    _insert_members(c.pk, ids, assign_groups(c, ids))
    c.segment_version = version
    c.status = Campaign.Status.RUNNING
    c.launched_at = now
    c.window_ends_at = now + timedelta(days=c.window_days)
    c.save()
    audit_record(
        action="campaign.launch",
        target_type="campaign",
        target_id=c.pk,
        summary=f"audience={version.member_count} version={version.pk}",
    )
    return c


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


def _claim(campaign_id: int, size: int) -> list[CampaignMember]:
    query = CampaignMember.objects.filter(
        campaign_id=campaign_id, group=CampaignMember.Group.TREATED, state="pending"
    ).order_by("member_id")
    if connection.vendor == "postgresql":
        query = query.select_for_update(skip_locked=True)
    return list(query[:size])


def campaign_fanout_batch(*, campaign_id: int, size: int = FANOUT_BATCH) -> FanoutBatch:
    """One fan-out step, in one transaction: claim up to `size` pending treated members (SKIP
    LOCKED, so parallel workers take different ones), take budget for them on the locked
    campaign row, issue their coupons set-based and queue their messages. Members beyond the
    budget are marked over budget; a coupon the template refuses (its own limit, a member
    already holding one) gives the budget slot back."""
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
        ids = [r.member_id for r in rows]
        coupon_of: dict[int, int] = {}
        template = c.coupon_template
        if template is not None:
            allowed = _take_budget(c, len(ids))
            chosen = ids[:allowed]
            if chosen:
                report = coupon_issue_bulk(template=template, member_ids=chosen, source="campaign")
                coupon_of = {i.member_id: i.coupon_id for i in report.issued}
            issued = [m for m in chosen if m in coupon_of]
        else:
            allowed, issued = len(ids), ids
        c.coupons_issued += len(coupon_of)
        c.discount_committed_fen += len(coupon_of) * c.discount_bound_fen
        c.save(update_fields=["coupons_issued", "discount_committed_fen"])
        messages_enqueue_for_members(
            member_ids=issued,
            template=c.message_template,
            context=_context(c),
            channel=c.channel,
            dedupe_prefix=f"campaign:{c.pk}",
            cause=f"campaign:{c.pk}",
        )
        sent = set(issued)
        over = set(ids[allowed:])
        _mark(rows, sent, over, coupon_of)
        return FanoutBatch(len(rows), len(sent), len(over), len(rows) - len(sent) - len(over))


def _mark(
    rows: list[CampaignMember], sent: set[int], over: set[int], coupon_of: dict[int, int]
) -> None:
    """Record each claimed member's outcome: set-based, one UPDATE per outcome (and, on
    PostgreSQL, one UPDATE ... FROM unnest for the coupon ids)."""
    by_state: dict[str, list[int]] = {"sent": [], "over_budget": [], "skipped": []}
    for r in rows:
        state = (
            "sent" if r.member_id in sent else "over_budget" if r.member_id in over else "skipped"
        )
        by_state[state].append(r.pk)
    for state, pks in by_state.items():
        if pks and not (state == "sent" and coupon_of):
            CampaignMember.objects.filter(pk__in=pks).update(state=state)
    if not (by_state["sent"] and coupon_of):
        return
    pairs = [(r.pk, coupon_of[r.member_id]) for r in rows if r.member_id in coupon_of]
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


def _context(c: Campaign) -> dict[str, str]:
    ctx = {"brand": brand_settings().name, "title": c.title or c.name, "body": c.body}
    if "link_url" in (template_get(c.message_template) or _NO_TEMPLATE).variables:
        ctx["link_url"] = c.link_url
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
    return clone
