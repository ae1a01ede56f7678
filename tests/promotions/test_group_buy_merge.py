"""Merging members who joined group buys: participations follow the survivor, and a person who
joined one group buy twice (as two members) is counted once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.members.services import member_merge
from omniloop.promotions.group_buy import group_buy_create, group_buy_join
from omniloop.promotions.models import Coupon, GroupBuy, GroupBuyMember
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer

pytestmark = pytest.mark.django_db


def _group_buy(min_members: int) -> GroupBuy:
    return group_buy_create(
        name="今日团购",
        offer_id=make_offer(name="团购价").pk,
        min_members=min_members,
        deadline=clock.now() + timedelta(hours=24),
    )


def _join(group_buy, member, at=None):
    return group_buy_join(group_buy_id=group_buy.pk, member_id=member.pk, at=at)


def _merge(survivor, merged) -> dict[str, int]:
    return member_merge(
        survivor_id=survivor.pk, merged_id=merged.pk, actor="test", reason="same person"
    ).moved


def _state(group_buy) -> tuple[str, int, list[int]]:
    group_buy.refresh_from_db()
    members = sorted(
        GroupBuyMember.objects.filter(group_buy=group_buy).values_list("member_id", flat=True)
    )
    return group_buy.state, group_buy.joined_count, members


def test_the_merged_members_participation_moves():
    group_buy = _group_buy(min_members=3)
    survivor, merged, other = make_member(), make_member(), make_member()
    _join(group_buy, merged)
    _join(group_buy, other)
    assert _merge(survivor, merged)["group_buys"] == 1
    assert _state(group_buy) == ("open", 2, sorted([survivor.pk, other.pk]))
    with pytest.raises(ApplicationError) as info:
        _join(group_buy, survivor)
    assert info.value.code == "group_buy_already_joined"


def test_both_joined_an_open_group_buy_one_participation_is_kept_and_counted_once():
    group_buy = _group_buy(min_members=3)
    survivor, merged = make_member(), make_member()
    early = clock.now() - timedelta(minutes=5)
    _join(group_buy, merged, at=early)
    _join(group_buy, survivor)
    assert _state(group_buy) == ("open", 2, sorted([survivor.pk, merged.pk]))

    assert _merge(survivor, merged)["group_buys"] == 1

    assert _state(group_buy) == ("open", 1, [survivor.pk])
    assert GroupBuyMember.objects.get(group_buy=group_buy).joined_at == early
    # One person is one member of the group: two more are needed to unlock it.
    assert _join(group_buy, make_member()).state == "open"
    unlocked = _join(group_buy, make_member())
    assert (unlocked.state, unlocked.joined_count) == ("unlocked", 3)
    assert Coupon.objects.filter(template=group_buy.coupon_template, member=survivor).count() == 1
    assert Coupon.objects.filter(template=group_buy.coupon_template).count() == 3


def test_both_joined_an_unlocked_group_buy_it_stays_unlocked_and_the_coupons_follow():
    group_buy = _group_buy(min_members=2)
    survivor, merged = make_member(), make_member()
    _join(group_buy, survivor)
    assert _join(group_buy, merged).unlocked_now
    moved = _merge(survivor, merged)
    assert moved["group_buys"] == 1 and moved["coupons"] == 1
    assert _state(group_buy) == ("unlocked", 1, [survivor.pk])
    # Both coupons were issued before the merge; the coupons handler moves them as it moves
    # every coupon.
    assert Coupon.objects.filter(template=group_buy.coupon_template, member=survivor).count() == 2


def test_a_merge_without_group_buys_moves_nothing():
    assert _merge(make_member(), make_member())["group_buys"] == 0
