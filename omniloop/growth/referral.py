"""Member referral (老带新, ADR 32): share links, the join hook, the fraud guards and rewards.

A shopper opens `/m/r/<token>` (a `ReferralVisit`: their visitor and device cookie). When that
visitor joins (`onboarding.events`, inside the join's transaction), the join becomes a
`Referral`, accepted (`joined`) or refused with a reason code. The referee's welcome reward is
given then. The referrer's reward waits for the referee's first paid order
(`orders.events`, after commit) and then `cooling_days` more: the periodic
`growth_referral_rewards` job grants it if that order was not refunded meanwhile (a refund in
the cooling-off period cancels the referral), and within the referrer's monthly cap, taken by
one conditional UPDATE. Points go through the ledger under `referral:<id>:...` references, so
a repeated grant posts nothing more."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import ApplicationError, NotFound
from omniloop.growth.models import (
    Referral,
    ReferralDevice,
    ReferralLink,
    ReferralProgram,
    ReferralVisit,
    ReferrerMonth,
)
from omniloop.loyalty.services import points_earn
from omniloop.members.models import Member
from omniloop.messaging.outbox import message_enqueue
from omniloop.onboarding.events import MemberJoined
from omniloop.orders.events import OrderRefunded
from omniloop.orders.models import Order
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import Coupon, CouponTemplate
from omniloop.touchpoints.models import Visitor

log = logging.getLogger(__name__)

Status = Referral.Status

# The reason codes a referral is refused or cancelled with (shown to HQ and the referrer).
REASONS = (
    "self_referral",  # the referee is the referrer (same member, so the same phone)
    "self_device",  # the link was opened on a device the referrer uses
    "already_member",  # the phone was a member before opening the link
    "phone_erased",  # the phone belonged to an erased member (members.privacy suppression)
    "duplicate_device",  # the device already joined someone under a referral
    "referrer_inactive",  # the referrer was merged or erased
    "referrer_cap",  # the referrer reached the monthly cap
    "first_order_refunded",  # the first order was refunded before the reward was due
)


def referral_program() -> ReferralProgram:
    """The rules in force: the saved row, or the defaults (unsaved: reading writes nothing)."""
    return ReferralProgram.objects.filter(pk=1).first() or ReferralProgram(pk=1)


def referral_program_update(
    *,
    active: bool,
    referrer_points: int,
    referee_points: int,
    referrer_template: CouponTemplate | None,
    referee_template: CouponTemplate | None,
    cooling_days: int,
    monthly_cap: int,
    link_days: int,
) -> ReferralProgram:
    program = referral_program()
    program.active = active
    program.referrer_points = referrer_points
    program.referee_points = referee_points
    program.referrer_template = referrer_template
    program.referee_template = referee_template
    program.cooling_days = cooling_days
    program.monthly_cap = monthly_cap
    program.link_days = link_days
    program.updated_at = clock.now()
    program.save()
    return program


# --- Links and visits ------------------------------------------------------------------------


def referral_link_for(*, member: Member) -> ReferralLink:
    """The member's share link, created on first use."""
    link = ReferralLink.objects.filter(member=member, active=True).order_by("pk").first()
    if link is None:
        link = ReferralLink.objects.create(
            member=member, token=secrets.token_urlsafe(12)[:16], created_at=clock.now()
        )
    return link


def referral_device_seen(*, member: Member, device: str) -> None:
    """The referrer's own page was opened on this device."""
    if device:
        ReferralDevice.objects.bulk_create(
            [ReferralDevice(member=member, device=device[:36], seen_at=clock.now())],
            ignore_conflicts=True,
        )


def referral_link_resolve(*, token: str) -> ReferralLink:
    link = (
        ReferralLink.objects.select_related("member").filter(token=token[:24], active=True).first()
        if token
        else None
    )
    if link is None or link.member.status != Member.Status.ACTIVE:
        raise NotFound("This invitation link is not valid.", code="referral_link_unknown")
    return link


def referral_open(*, token: str, visitor: Visitor, device: str) -> ReferralLink:
    """A browser opened a share link: remember it for the join."""
    link = referral_link_resolve(token=token)
    ReferralVisit.objects.create(
        link=link, visitor=visitor, device=device[:36], opened_at=clock.now()
    )
    return link


# --- The join hook ---------------------------------------------------------------------------


def _refusal(event: MemberJoined, visit: ReferralVisit) -> str:
    referrer = visit.link.member
    if event.member_id == referrer.pk:
        return "self_referral"
    if referrer.status != Member.Status.ACTIVE:
        return "referrer_inactive"
    if event.visitor_owner_before == referrer.pk or (
        visit.device
        and ReferralDevice.objects.filter(member=referrer, device=visit.device).exists()
    ):
        return "self_device"
    if not event.created:
        return "already_member"
    if event.phone_was_suppressed:
        return "phone_erased"
    if event.visitor_owner_before is not None:
        return "duplicate_device"  # this browser already belonged to another member
    if (
        visit.device
        and Referral.objects.filter(device=visit.device)
        .exclude(referee_id=event.member_id)
        .exists()
    ):
        return "duplicate_device"
    return ""


def _coupon_or_none(template: CouponTemplate | None, member: Member) -> Coupon | None:
    """A reward coupon if the template still gives one; a refusal (limit, retired) is logged,
    not fatal: the points still count."""
    if template is None:
        return None
    try:
        with transaction.atomic():
            return coupon_issue(template=template, member=member, source="referral")
    except ApplicationError as exc:
        log.info("referral coupon of template %s not issued: %s", template.pk, exc.code)
        return None


def referral_on_join(event: MemberJoined) -> Referral | None:
    """The join listener: the latest referral link this visitor opened (within `link_days`)
    makes the join a referral, accepted or refused. Runs in the join's transaction."""
    if event.visitor_id is None:
        return None
    program = referral_program()
    if not program.active:
        return None
    visit = (
        ReferralVisit.objects.select_related("link__member")
        .filter(
            visitor_id=event.visitor_id,
            opened_at__gte=event.at - timedelta(days=program.link_days),
        )
        .order_by("-opened_at", "-pk")
        .first()
    )
    if visit is None:
        return None
    reason = _refusal(event, visit)
    if (
        not reason
        and Referral.objects.filter(referee_id=event.member_id)
        .exclude(status=Status.REFUSED)
        .exists()
    ):
        return None  # already someone's referee (a second pass through the form)
    referee = Member.objects.get(pk=event.member_id)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(
                referrer=visit.link.member,
                referee=referee,
                link=visit.link,
                device=visit.device,
                status=Status.REFUSED if reason else Status.JOINED,
                reason=reason,
                joined_at=event.at,
                decided_at=event.at if reason else None,
            )
    except IntegrityError:
        return None  # a racing join of the same referee won
    if reason:
        return referral
    coupon = _coupon_or_none(program.referee_template, referee)
    if program.referee_points:
        points_earn(
            member=referee,
            points=program.referee_points,
            reference=f"referral:{referral.pk}:referee",
            note="Referral welcome",
        )
    Referral.objects.filter(pk=referral.pk).update(
        referee_points=program.referee_points, referee_coupon=coupon
    )
    referral.refresh_from_db()
    return referral


# --- First order, refunds, rewards -----------------------------------------------------------


def referral_on_order_paid(order_id: int) -> int:
    """The referee's first paid order starts the cooling-off period (once: conditional UPDATE
    on `joined`)."""
    order = Order.objects.filter(pk=order_id).values("member_id", "paid_at", "ordered_at").first()
    if order is None or order["member_id"] is None:
        return 0
    paid_at = order["paid_at"] or order["ordered_at"]
    cooling = timedelta(days=referral_program().cooling_days)
    return Referral.objects.filter(
        referee_id=order["member_id"], status=Status.JOINED, joined_at__lte=paid_at
    ).update(
        status=Status.QUALIFIED,
        first_order_id=order_id,
        paid_at=paid_at,
        reward_due_at=paid_at + cooling,
    )


def referral_on_order_refunded(event: OrderRefunded) -> int:
    """Money back on a first order before the reward was granted cancels the referral."""
    return Referral.objects.filter(first_order_id=event.order_id, status=Status.QUALIFIED).update(
        status=Status.CANCELLED, reason="first_order_refunded", decided_at=clock.now()
    )


def _month(at: datetime) -> str:
    return timezone.localtime(at).strftime("%Y-%m")


def _cap_take(referrer_id: int, month: str, cap: int) -> bool:
    ReferrerMonth.objects.bulk_create(
        [ReferrerMonth(referrer_id=referrer_id, month=month)], ignore_conflicts=True
    )
    return bool(
        ReferrerMonth.objects.filter(referrer_id=referrer_id, month=month, rewarded__lt=cap).update(
            rewarded=F("rewarded") + 1
        )
    )


@dataclass(frozen=True)
class GrantOutcome:
    referral_id: int
    status: str
    reason: str = ""


def referral_reward_grant(*, referral_id: int, at: datetime | None = None) -> GrantOutcome:
    """Grant one due reward: the referral row locked and still `qualified`, its first order
    not refunded, the referrer active and under the month's cap (counted by a conditional
    UPDATE, so parallel grants never pass it). Idempotent: a decided referral is left alone."""
    at = at or clock.now()
    program = referral_program()
    with transaction.atomic():
        ref = Referral.objects.select_for_update().filter(pk=referral_id).first()
        if ref is None:
            raise NotFound("Referral not found.", code="referral_not_found")
        if ref.status != Status.QUALIFIED or ref.reward_due_at is None or ref.reward_due_at > at:
            return GrantOutcome(ref.pk, ref.status, ref.reason)
        order = Order.objects.get(pk=ref.first_order_id or 0)
        referrer = Member.objects.get(pk=ref.referrer_id)
        reason = ""
        if order.refunded_total > 0 or order.status in (
            Order.Status.CANCELLED,
            Order.Status.REFUNDED,
        ):
            reason, status = "first_order_refunded", Status.CANCELLED
        elif referrer.status != Member.Status.ACTIVE:
            reason, status = "referrer_inactive", Status.REFUSED
        elif not _cap_take(referrer.pk, _month(ref.reward_due_at), program.monthly_cap):
            reason, status = "referrer_cap", Status.REFUSED
        if reason:
            Referral.objects.filter(pk=ref.pk).update(status=status, reason=reason, decided_at=at)
            return GrantOutcome(ref.pk, status, reason)
        if program.referrer_points:
            points_earn(
                member=referrer,
                points=program.referrer_points,
                reference=f"referral:{ref.pk}:referrer",
                note="Referral reward",
                at=at,
            )
        coupon = _coupon_or_none(program.referrer_template, referrer)
        Referral.objects.filter(pk=ref.pk).update(
            status=Status.REWARDED,
            decided_at=at,
            referrer_points=program.referrer_points,
            referrer_coupon=coupon,
        )
        message_enqueue(
            member_id=referrer.pk,
            template="referral_rewarded",
            context={"brand": brand_settings().name, "points": program.referrer_points},
            dedupe_key=f"referral:{ref.pk}:rewarded",
            cause=f"referral:{ref.pk}",
        )
    return GrantOutcome(ref.pk, Status.REWARDED)


def referral_rewards_due(*, at: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """The periodic job: every referral whose cooling-off period ended, each in its own
    transaction."""
    at = at or clock.now()
    ids = list(
        Referral.objects.filter(status=Status.QUALIFIED, reward_due_at__lte=at)
        .order_by("reward_due_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    for pk in ids:
        outcome = referral_reward_grant(referral_id=pk, at=at)
        key = outcome.reason or outcome.status
        counts[key] = counts.get(key, 0) + 1
    return counts
