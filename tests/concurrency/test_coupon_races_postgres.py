"""Coupon limits under real concurrency on PostgreSQL: parallel connections released at once
(the single-packet-attack shape). A naive read-then-write variant runs in the same harness and
must overshoot, which proves the harness can catch the bug the services avoid."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction

from omniloop.core import clock
from omniloop.core.errors import Conflict
from omniloop.promotions.coupons import coupon_claim, coupon_issue, coupons_redeem, coupons_reserve
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from omniloop.promotions.money import to_yuan
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member
from tests.promotions.coupon_helpers import (
    make_order,
    make_shared,
    make_template,
    shared,
    single,
    till_channel,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()  # before the threads, which would otherwise race to create it


def _redeem_in_own_order(used, member_id: int | None) -> str:
    with transaction.atomic():
        order = make_order(member_id)
        coupons_redeem(used=used, member_id=member_id, order_id=order.pk, at=clock.now())
    return "ok"


def test_fifty_checkouts_redeem_one_single_use_coupon_once():
    member = make_member()
    coupon = coupon_issue(template=make_template(), member=member, source="manual")
    used = [(single(coupon.pk, coupon.code), 5000)]

    results = run_at_once(50, lambda _: _redeem_in_own_order(used, member.pk))

    assert outcomes(results) == {"ok": 1, "coupon_already_redeemed": 49}
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED
    [redemption] = Redemption.objects.filter(coupon=coupon)
    assert redemption.order_id == coupon.order_id
    assert coupon.order.member_id == member.pk
    # Failed checkouts rolled back their orders with their coupon writes.
    assert type(coupon.order).objects.count() == 1


def test_a_shared_code_limited_to_seven_uses_is_used_exactly_seven_times():
    template = make_shared("RACE7", shared_code_limit=7, per_member_limit=1)
    members = [make_member() for _ in range(30)]

    results = run_at_once(
        30, lambda i: _redeem_in_own_order([(shared("race7"), 1000)], members[i].pk)
    )

    assert outcomes(results) == {"ok": 7, "coupon_limit_reached": 23}
    template.refresh_from_db()
    assert template.shared_code_used == 7
    assert Redemption.objects.filter(template=template).count() == 7


def test_a_member_limit_of_two_holds_for_ten_parallel_checkouts_of_one_member():
    template = make_shared("TWICE", shared_code_limit=None, per_member_limit=2)
    member = make_member()

    results = run_at_once(10, lambda _: _redeem_in_own_order([(shared("TWICE"), 1000)], member.pk))

    assert outcomes(results) == {"ok": 2, "coupon_member_limit": 8}
    template.refresh_from_db()
    assert template.shared_code_used == 2
    assert Redemption.objects.filter(template=template, member=member).count() == 2


def test_twenty_checkouts_reserve_one_coupon_once():
    member = make_member()
    coupon = coupon_issue(template=make_template(), member=member, source="manual")

    results = run_at_once(
        20,
        lambda i: coupons_reserve(
            codes=[coupon.code], member_id=member.pk, ref=f"cart-{i}", at=clock.now()
        ),
    )

    assert outcomes(results) == {"ok": 1, "coupon_reserved": 19}
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.RESERVED


def test_claims_stop_at_the_issue_limit_and_the_member_limit():
    template = make_template(claimable=True, issue_limit=5, per_member_limit=1)
    members = [make_member() for _ in range(20)]
    results = run_at_once(
        20, lambda i: coupon_claim(claim_token=template.claim_token, member=members[i])
    )
    assert outcomes(results) == {"ok": 5, "coupon_issue_limit_reached": 15}

    greedy = make_template(claimable=True, per_member_limit=1)
    member = make_member()
    results = run_at_once(10, lambda _: coupon_claim(claim_token=greedy.claim_token, member=member))
    assert outcomes(results) == {"ok": 1, "coupon_member_limit": 9}
    template.refresh_from_db()
    greedy.refresh_from_db()
    assert (template.issued_count, greedy.issued_count) == (5, 1)
    assert Coupon.objects.filter(template=template).count() == 5
    assert Coupon.objects.filter(template=greedy).count() == 1


# --- The naive variant: proves the harness bites --------------------------------------------------


def naive_shared_redeem(*, template_id: int, member_id: int, fen: int) -> str:
    """What the services must NOT do: read the counter, compare in Python, then save."""
    with transaction.atomic():
        order = make_order(member_id)
        template = CouponTemplate.objects.get(pk=template_id)
        limit = template.shared_code_limit
        if limit is not None and template.shared_code_used >= limit:
            raise Conflict("used up", code="coupon_limit_reached")
        time.sleep(0.02)  # widen the window between the read and the write
        template.shared_code_used += 1
        template.save(update_fields=["shared_code_used"])
        Redemption.objects.create(
            template=template,
            member_id=member_id,
            order=order,
            discount=to_yuan(fen),
            redeemed_at=clock.now(),
        )
    return "ok"


def test_the_naive_read_then_write_overshoots_in_the_same_harness():
    limit = 7
    members = [make_member() for _ in range(30)]
    for attempt in range(3):
        template = make_shared(
            f"NAIVE{attempt}",
            shared_code_limit=limit,
            per_member_limit=1,
            valid_until=clock.now() + timedelta(days=1),
        )
        results = run_at_once(
            30,
            lambda i, t=template: naive_shared_redeem(
                template_id=t.pk, member_id=members[i].pk, fen=1000
            ),
        )
        used = outcomes(results)["ok"]
        if used > limit:
            break
    assert used > limit, "the naive variant never overshot: the harness does not race"
    assert Redemption.objects.filter(template=template).count() == used
