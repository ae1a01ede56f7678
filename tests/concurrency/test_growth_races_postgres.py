"""Growth races on PostgreSQL: a lottery drawn by many callers at once draws once; a
referrer's monthly cap holds however many rewards fall due together."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.growth.lottery import LotteryInput, lottery_create, lottery_draw, lottery_enter
from omniloop.growth.models import (
    LotteryEntry,
    Referral,
    ReferralLink,
    ReferralProgram,
    ReferrerMonth,
)
from omniloop.growth.referral import referral_reward_grant
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell
from tests.promotions.coupon_helpers import make_template

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_parallel_draws_make_one_draw():
    now = clock.now()
    lottery = lottery_create(
        data=LotteryInput(
            title="并发抽奖",
            coupon_template_id=make_template().pk,
            winners=3,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(minutes=5),
            requires_follow=False,
        )
    )
    for _ in range(10):
        lottery_enter(lottery_id=lottery.pk, member=make_member())
    at = lottery.closes_at + timedelta(seconds=1)

    results = run_at_once(20, lambda _: lottery_draw(lottery_id=lottery.pk, at=at))

    assert outcomes(results, ok=lambda r: "already" if r.already_drawn else "drew") == {
        "drew": 1,
        "already": 19,
    }
    assert len({tuple(r.winner_ids) for r in results}) == 1
    assert Coupon.objects.filter(source="lottery").count() == 3
    assert Message.objects.filter(template="lottery_won").count() == 3
    assert LotteryEntry.objects.filter(won=True).count() == 3


def test_a_referrers_monthly_cap_holds_under_parallel_grants():
    ReferralProgram.objects.update_or_create(pk=1, defaults={"monthly_cap": 3})
    store = make_store()
    make_product("RC100", price="100.00")
    referrer = make_member()
    link = ReferralLink.objects.create(member=referrer, token="racetoken1", created_at=clock.now())
    now = clock.now()
    ids = []
    for i in range(12):
        referee = make_member()
        order = sell(store, [("RC100-M", 1)], total="100.00", member=referee, receipt=f"RC{i}")
        ids.append(
            Referral.objects.create(
                referrer=referrer,
                referee=referee,
                link=link,
                status="qualified",
                joined_at=now,
                first_order=order,
                paid_at=now,
                reward_due_at=now,
            ).pk
        )

    results = run_at_once(12, lambda i: referral_reward_grant(referral_id=ids[i]))

    assert outcomes(results, ok=lambda r: r.reason or r.status) == {
        "rewarded": 3,
        "referrer_cap": 9,
    }
    assert ReferrerMonth.objects.get(referrer=referrer).rewarded == 3
    from omniloop.loyalty.selectors import points_balance

    assert points_balance(member_id=referrer.pk) == 600
