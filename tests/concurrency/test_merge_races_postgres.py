"""A member merge racing the release of expired flash-sale holds on PostgreSQL: whichever wins
each row, every unit is counted once, in the stock or in the survivor's tally."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.members.services import member_merge
from omniloop.promotions.flash import flash_release_expired, flash_sale_claim
from omniloop.promotions.models import FlashSale, FlashSaleTally
from tests.concurrency.helpers import run_at_once
from tests.factories import make_member
from tests.promotions.flash_helpers import held_units, make_flash_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("round_", range(3))
def test_merge_and_release_at_once_keep_stock_and_tallies_whole(round_):
    sale = make_flash_sale(stock=20, per_member_limit=5, hold_minutes=1)
    survivor, merged = make_member(), make_member()
    at = clock.now()
    for member, quantity in ((survivor, 3), (merged, 2), (merged, 2)):
        flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=quantity, at=at)
    later = at + timedelta(minutes=2)

    def act(i: int) -> object:
        if i == 0:
            return member_merge(
                survivor_id=survivor.pk, merged_id=merged.pk, actor="t", reason="same person"
            )
        return flash_release_expired(at=later)

    results = run_at_once(2, act)
    assert all(not isinstance(r, BaseException) for r in results), results
    flash_release_expired(at=later)  # whatever the race skipped (SKIP LOCKED) goes now
    sale = FlashSale.objects.get(pk=sale.pk)
    assert sale.stock_left == 20 and held_units(sale) == 0
    assert not FlashSaleTally.objects.filter(member=merged).exists()
    assert FlashSaleTally.objects.get(flash_sale=sale, member=survivor).quantity == 0
