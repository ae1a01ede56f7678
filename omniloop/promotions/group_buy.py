"""Group buys (今日团购): an offer unlocks for its participants once `min_members` members have
joined before the deadline, and lapses cleanly when they have not.

States: open -> unlocked (by the join that reaches `min_members` before the deadline), or
open -> lapsed (settled after the deadline, short of members). Both are final. A member may still
join an unlocked group buy until its deadline and gets the offer at once.

How participants get the offer: the group buy's offer is coupon-only and the group buy has its own
coupon template; each participant is issued one coupon of it in the transaction that unlocks the
group buy (or, for a late joiner, in the join itself). The pricing engine needs nothing special:
the offer applies only with a coupon, and only participants hold one. A lapsed group buy never
issued anything, so lapsing has nothing to undo.

Invariants, kept by the database:
- one participation per member and group buy (unique constraint);
- `joined_count` moves only by a conditional UPDATE that also checks the state and the deadline,
  so a join and the settle that lapses the group buy cannot both win;
- unlocking is a conditional UPDATE (open -> unlocked), so coupons are issued once;
- a refused join writes nothing.
Lock order: the participation row, then the group buy row, then the coupon template row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F
from django_tasks import task

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.members.merge import merge_unique_rows
from omniloop.members.models import Member
from omniloop.promotions.coupons import coupon_issue_bulk, coupon_template_create
from omniloop.promotions.models import GroupBuy, GroupBuyMember, Offer

log = logging.getLogger(__name__)

# coupons_issue.ISSUE_SOURCES has no "group_buy" (yet): participants' coupons are a bulk issue.
COUPON_SOURCE = "bulk"
MAX_MEMBERS = 10_000


@dataclass(frozen=True)
class GroupBuyJoinResult:
    group_buy_id: int
    member_id: int
    state: str
    joined_count: int
    min_members: int
    unlocked_now: bool  # this join unlocked the group buy
    coupon_code: str | None  # the joining member's coupon, once the group buy is unlocked


def _closed() -> Conflict:
    return Conflict("This group buy is closed.", code="group_buy_closed")


@transaction.atomic
def group_buy_create(
    *,
    name: str,
    offer_id: int,
    min_members: int,
    deadline: datetime,
    coupon_valid_days: int = 7,
    at: datetime | None = None,
) -> GroupBuy:
    """A group buy on a coupon-only offer, with its own coupon template (one coupon per member,
    valid `coupon_valid_days` from the unlock)."""
    now = at or clock.now()
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("Give the group buy a name.", code="group_buy_name_invalid")
    if not 2 <= min_members <= MAX_MEMBERS:
        raise ValidationFailed(
            f"A group buy needs 2 to {MAX_MEMBERS} members.", code="group_buy_min_members_invalid"
        )
    if deadline.tzinfo is None or deadline <= now:
        raise ValidationFailed(
            "The deadline must be in the future, with a time zone.",
            code="group_buy_deadline_invalid",
        )
    offer = Offer.objects.filter(pk=offer_id).first()
    if offer is None:
        raise NotFound("No such offer.", code="offer_not_found")
    template = coupon_template_create(offer=offer, name=name, valid_days=coupon_valid_days)
    return GroupBuy.objects.create(
        name=name,
        offer=offer,
        coupon_template=template,
        min_members=min_members,
        deadline=deadline,
    )


def group_buy_join(
    *, group_buy_id: int, member_id: int, at: datetime | None = None
) -> GroupBuyJoinResult:
    """Join a group buy. Refusals: group_buy_not_found / member_not_found (404), group_buy_closed
    (past the deadline or lapsed), group_buy_already_joined (409); a refusal writes nothing."""
    now = at or clock.now()
    with transaction.atomic():
        group_buy = GroupBuy.objects.filter(pk=group_buy_id).first()
        if group_buy is None:
            raise NotFound("No such group buy.", code="group_buy_not_found")
        if group_buy.state == GroupBuy.State.LAPSED or now >= group_buy.deadline:
            raise _closed()
        if not Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).exists():
            raise NotFound("No such member.", code="member_not_found")
        try:
            with transaction.atomic():
                GroupBuyMember.objects.create(
                    group_buy=group_buy, member_id=member_id, joined_at=now
                )
        except IntegrityError as exc:
            raise Conflict(
                "This member has already joined.", code="group_buy_already_joined"
            ) from exc
        counted = GroupBuy.objects.filter(
            pk=group_buy.pk,
            state__in=(GroupBuy.State.OPEN, GroupBuy.State.UNLOCKED),
            deadline__gt=now,
        ).update(joined_count=F("joined_count") + 1)
        if not counted:
            raise _closed()  # lapsed by a settle that got the row first
        unlocked_now = bool(
            GroupBuy.objects.filter(
                pk=group_buy.pk, state=GroupBuy.State.OPEN, joined_count__gte=F("min_members")
            ).update(state=GroupBuy.State.UNLOCKED)
        )
        group_buy.refresh_from_db()
        code = None
        if unlocked_now:
            # Everyone who joined before us has committed (they held the row before we did).
            everyone = list(
                GroupBuyMember.objects.filter(group_buy=group_buy)
                .order_by("pk")
                .values_list("member_id", flat=True)
            )
            code = _grant(group_buy, everyone).get(member_id)
        elif group_buy.state == GroupBuy.State.UNLOCKED:
            code = _grant(group_buy, [member_id]).get(member_id)
    return GroupBuyJoinResult(
        group_buy_id=group_buy.pk,
        member_id=member_id,
        state=group_buy.state,
        joined_count=group_buy.joined_count,
        min_members=group_buy.min_members,
        unlocked_now=unlocked_now,
        coupon_code=code,
    )


def _grant(group_buy: GroupBuy, member_ids: list[int]) -> dict[int, str]:
    """Issue the group buy's coupon to these participants; member id -> coupon code."""
    if group_buy.coupon_template is None:
        return {}
    report = coupon_issue_bulk(
        template=group_buy.coupon_template, member_ids=member_ids, source=COUPON_SOURCE
    )
    for problem in report.problems:
        # A member erased or merged since joining: nothing to give them.
        log.info(
            "group buy %s: no coupon for member %s (%s)",
            group_buy.pk,
            problem.member_id,
            problem.reason,
        )
    return {c.member_id: c.code for c in report.issued}


def group_buy_settle(*, at: datetime | None = None) -> int:
    """Lapse every open group buy whose deadline has passed; returns how many lapsed. One
    conditional UPDATE: a join that got the row first counts (and may have unlocked it), a join
    that comes after finds it lapsed and is refused. Nothing was issued while open, so nothing
    needs undoing."""
    now = at or clock.now()
    return GroupBuy.objects.filter(state=GroupBuy.State.OPEN, deadline__lte=now).update(
        state=GroupBuy.State.LAPSED
    )


@task(queue_name="default")
def group_buy_settle_task() -> int:
    return group_buy_settle()


def group_buy_merge(survivor: Member, merged: Member) -> int:
    """Merge handler: the merged member's participations follow the survivor; returns how many
    moved or were folded. Where both joined the same group buy, one participation is kept (the
    survivor's, with the earlier join time) and the group buy counts the person once:
    `joined_count` drops by one. A final state is not undone: an unlocked group buy stays
    unlocked (the coupons it issued follow the survivor with the coupons handler); an open one
    needs one more member. Lock order as a join's: participation rows, then group buy rows."""
    moved, collisions = merge_unique_rows(
        GroupBuyMember, key="group_buy_id", survivor=survivor, merged=merged, order_by=("pk",)
    )
    for theirs, mine in collisions:
        if theirs.joined_at < mine.joined_at:
            GroupBuyMember.objects.filter(pk=mine.pk).update(joined_at=theirs.joined_at)
    for group_buy_id in sorted(theirs.group_buy_id for theirs, _ in collisions):
        GroupBuy.objects.filter(pk=group_buy_id, joined_count__gt=0).update(
            joined_count=F("joined_count") - 1
        )
    return moved
