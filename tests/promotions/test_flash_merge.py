"""Merging members who hold flash-sale units: claims and tallies follow the survivor, no claim
is lost, and the per-member limit holds for new claims."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.members.models import MemberMerge
from omniloop.members.services import member_merge
from omniloop.promotions.flash import flash_claim_pay, flash_release_expired, flash_sale_claim
from omniloop.promotions.models import FlashSaleClaim, FlashSaleTally
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_order
from tests.promotions.flash_helpers import flash_state, held_units, make_flash_sale

pytestmark = pytest.mark.django_db


def _claim(sale, member, quantity=1):
    return flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=quantity)


def _merge(survivor, merged):
    outcome = member_merge(
        survivor_id=survivor.pk, merged_id=merged.pk, actor="test", reason="same person"
    )
    return outcome.moved


def _tally(sale, member):
    return FlashSaleTally.objects.filter(flash_sale=sale, member=member).first()


def test_the_merged_members_claims_and_tally_move_when_the_survivor_has_none():
    sale = make_flash_sale(stock=10, per_member_limit=2)
    survivor, merged = make_member(), make_member()
    held = _claim(sale, merged, 2)
    moved = _merge(survivor, merged)
    assert (moved["flash_claims"], moved["flash_tallies"]) == (1, 1)
    assert "flash_over_limit" not in moved
    assert FlashSaleClaim.objects.get(pk=held.claim_id).member_id == survivor.pk
    assert flash_state(sale) == {"stock_left": 8, "claims": 1, "tallies": [(survivor.pk, 2)]}
    # The limit is the survivor's now: nothing more for them, and their release frees it.
    with pytest.raises(ApplicationError) as info:
        _claim(sale, survivor)
    assert info.value.code == "flash_member_limit"
    flash_release_expired(at=clock.now() + timedelta(minutes=sale.hold_minutes + 1))
    assert flash_state(sale) == {"stock_left": 10, "claims": 1, "tallies": [(survivor.pk, 0)]}


def test_both_tallies_for_one_sale_are_combined_and_the_excess_is_recorded():
    sale = make_flash_sale(stock=10, per_member_limit=2)
    other_sale = make_flash_sale(stock=10, per_member_limit=5)
    survivor, merged = make_member(), make_member()
    kept_hold = _claim(sale, survivor, 2)
    paid = _claim(sale, merged, 1)
    flash_claim_pay(claim_id=paid.claim_id, order_id=make_order(merged.pk).pk)
    _claim(other_sale, merged, 3)
    _claim(other_sale, survivor, 1)

    moved = _merge(survivor, merged)

    assert moved["flash_claims"] == 2 and moved["flash_tallies"] == 2
    assert moved["flash_over_limit"] == 1  # 2 + 1 of a limit of 2; the other sale stays within
    assert MemberMerge.objects.get().moved["flash_over_limit"] == 1
    assert not FlashSaleTally.objects.filter(member=merged).exists()
    assert not FlashSaleClaim.objects.filter(member=merged).exists()
    # No unit was lost: each tally is what the survivor's claims hold or bought.
    assert _tally(sale, survivor).quantity == 3 == held_units(sale)
    assert _tally(other_sale, survivor).quantity == 4 == held_units(other_sale)
    assert flash_state(sale)["stock_left"] == 7
    # Over the limit by what was already held: no new claim until back under it.
    with pytest.raises(ApplicationError) as info:
        _claim(sale, survivor)
    assert info.value.code == "flash_member_limit"
    # The survivor's own hold lapses: its 2 units go back; the paid unit stays counted.
    flash_release_expired(at=clock.now() + timedelta(minutes=sale.hold_minutes + 1))
    assert FlashSaleClaim.objects.get(pk=kept_hold.claim_id).state == "released"
    assert _tally(sale, survivor).quantity == 1
    assert flash_state(sale)["stock_left"] == 9
    assert _claim(sale, survivor).member_total == 2


def test_a_merge_without_flash_activity_counts_nothing():
    survivor, merged = make_member(), make_member()
    _claim(make_flash_sale(), survivor)
    moved = _merge(survivor, merged)
    assert (moved["flash_claims"], moved["flash_tallies"]) == (0, 0)
    assert "flash_over_limit" not in moved
