"""Group buys: joining, unlocking for the participants (a coupon each), lapsing cleanly."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.members.models import Member
from omniloop.promotions.group_buy import (
    group_buy_create,
    group_buy_join,
    group_buy_settle,
    group_buy_settle_task,
)
from omniloop.promotions.models import Coupon, GroupBuy, GroupBuyMember
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer

pytestmark = pytest.mark.django_db


def make_group_buy(min_members: int = 3, hours: int = 24, **kw) -> GroupBuy:
    return group_buy_create(
        name="今日团购",
        offer_id=make_offer(name="团购价").pk,
        min_members=min_members,
        deadline=clock.now() + timedelta(hours=hours),
        **kw,
    )


def _refused(code: str, status: int, **kw) -> None:
    with pytest.raises(ApplicationError) as info:
        group_buy_join(**kw)
    assert (info.value.code, info.value.status) == (code, status), info.value.message


def test_the_offer_unlocks_for_every_participant_when_the_last_needed_member_joins():
    group_buy = make_group_buy(min_members=3)
    members = [make_member() for _ in range(3)]
    first = group_buy_join(group_buy_id=group_buy.pk, member_id=members[0].pk)
    second = group_buy_join(group_buy_id=group_buy.pk, member_id=members[1].pk)
    assert (first.state, first.joined_count, first.coupon_code) == ("open", 1, None)
    assert (second.state, second.joined_count, second.unlocked_now) == ("open", 2, False)
    assert Coupon.objects.count() == 0
    third = group_buy_join(group_buy_id=group_buy.pk, member_id=members[2].pk)
    assert (third.state, third.joined_count, third.unlocked_now) == ("unlocked", 3, True)
    coupons = Coupon.objects.filter(template=group_buy.coupon_template)
    assert sorted(coupons.values_list("member_id", flat=True)) == sorted(m.pk for m in members)
    assert third.coupon_code == coupons.get(member=members[2]).code
    assert {c.template.offer_id for c in coupons} == {group_buy.offer_id}
    # A late joiner before the deadline gets the offer at once.
    late = make_member()
    result = group_buy_join(group_buy_id=group_buy.pk, member_id=late.pk)
    assert (result.state, result.joined_count, result.unlocked_now) == ("unlocked", 4, False)
    assert result.coupon_code == Coupon.objects.get(member=late).code
    assert Coupon.objects.count() == 4


def test_short_of_members_at_the_deadline_it_lapses_and_nobody_gets_anything():
    group_buy = make_group_buy(min_members=3, hours=1)
    a, b = make_member(), make_member()
    group_buy_join(group_buy_id=group_buy.pk, member_id=a.pk)
    group_buy_join(group_buy_id=group_buy.pk, member_id=b.pk)
    assert group_buy_settle(at=group_buy.deadline - timedelta(seconds=1)) == 0
    assert group_buy_settle(at=group_buy.deadline) == 1
    group_buy.refresh_from_db()
    assert (group_buy.state, group_buy.joined_count) == ("lapsed", 2)
    assert Coupon.objects.count() == 0
    _refused("group_buy_closed", 409, group_buy_id=group_buy.pk, member_id=make_member().pk)
    assert GroupBuyMember.objects.filter(group_buy=group_buy).count() == 2
    assert group_buy_settle(at=group_buy.deadline + timedelta(days=1)) == 0  # already settled


def test_an_unlocked_group_buy_is_not_lapsed_by_settle():
    group_buy = make_group_buy(min_members=2, hours=1)
    for _ in range(2):
        group_buy_join(group_buy_id=group_buy.pk, member_id=make_member().pk)
    assert group_buy_settle(at=group_buy.deadline + timedelta(minutes=1)) == 0
    group_buy.refresh_from_db()
    assert group_buy.state == "unlocked"
    assert Coupon.objects.count() == 2


def test_refusals_have_their_own_codes_and_write_nothing():
    group_buy = make_group_buy(min_members=3)
    member = make_member()
    group_buy_join(group_buy_id=group_buy.pk, member_id=member.pk)
    erased = make_member()
    Member.objects.filter(pk=erased.pk).update(status=Member.Status.ERASED)
    _refused("group_buy_already_joined", 409, group_buy_id=group_buy.pk, member_id=member.pk)
    _refused("group_buy_not_found", 404, group_buy_id=group_buy.pk + 999, member_id=member.pk)
    _refused("member_not_found", 404, group_buy_id=group_buy.pk, member_id=erased.pk)
    _refused("member_not_found", 404, group_buy_id=group_buy.pk, member_id=erased.pk + 999)
    _refused(
        "group_buy_closed",
        409,
        group_buy_id=group_buy.pk,
        member_id=make_member().pk,
        at=group_buy.deadline,
    )
    group_buy.refresh_from_db()
    assert (group_buy.joined_count, group_buy.state) == (1, "open")
    assert GroupBuyMember.objects.count() == 1


def test_create_checks_its_input():
    offer = make_offer()
    now = clock.now()
    good = {"name": "团购", "offer_id": offer.pk, "min_members": 3, "deadline": now + timedelta(1)}
    cases = [
        ({"name": ""}, "group_buy_name_invalid"),
        ({"min_members": 1}, "group_buy_min_members_invalid"),
        ({"deadline": now}, "group_buy_deadline_invalid"),
        ({"deadline": (now + timedelta(1)).replace(tzinfo=None)}, "group_buy_deadline_invalid"),
        ({"offer_id": offer.pk + 999}, "offer_not_found"),
        ({"offer_id": make_offer(coupon_only=False).pk}, "coupon_offer_not_coupon_only"),
    ]
    for change, code in cases:
        with pytest.raises(ApplicationError) as info:
            group_buy_create(**{**good, **change})
        assert info.value.code == code, change
    assert GroupBuy.objects.count() == 0
    group_buy = group_buy_create(**good)
    assert (group_buy.state, group_buy.joined_count) == ("open", 0)
    assert group_buy.coupon_template.offer_id == offer.pk


def test_settle_runs_as_a_task_and_a_command():
    stale = make_group_buy(min_members=2)
    GroupBuy.objects.filter(pk=stale.pk).update(deadline=clock.now() - timedelta(minutes=1))
    assert group_buy_settle_task.enqueue().return_value == 1
    other = make_group_buy(min_members=2)
    GroupBuy.objects.filter(pk=other.pk).update(deadline=clock.now() - timedelta(minutes=1))
    call_command("group_buy_settle")
    assert set(GroupBuy.objects.values_list("state", flat=True)) == {"lapsed"}


def test_a_participant_erased_before_the_unlock_gets_no_coupon_the_others_do():
    group_buy = make_group_buy(min_members=3)
    gone, stays, last = make_member(), make_member(), make_member()
    for member in (gone, stays):
        group_buy_join(group_buy_id=group_buy.pk, member_id=member.pk)
    Member.objects.filter(pk=gone.pk).update(status=Member.Status.ERASED)
    result = group_buy_join(group_buy_id=group_buy.pk, member_id=last.pk)
    assert result.unlocked_now and result.coupon_code
    assert sorted(Coupon.objects.values_list("member_id", flat=True)) == sorted([stays.pk, last.pk])
