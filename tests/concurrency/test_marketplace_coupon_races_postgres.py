"""Our coupon codes on marketplace orders racing on PostgreSQL (ADR 43), parallel connections
released at once: one single-use code on many orders is honoured by exactly one, every order
is imported and the others record drift; orders mixing a shared code and single-use coupons
in any order, racing till-style redemptions of the same codes, never deadlock (templates are
locked first, by pk, then coupons)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction

from omniloop.core import clock
from omniloop.marketplace.models import MarketplaceCouponDrift, MarketplaceOrder
from omniloop.marketplace.services import marketplace_order_import
from omniloop.marketplace.values import PlatformStatus
from omniloop.orders.models import Order
from omniloop.promotions.coupons import coupon_issue, coupons_redeem
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member
from tests.marketplace.helpers import mp_order, tmall
from tests.promotions.coupon_helpers import (
    make_offer,
    make_order,
    make_shared,
    make_template,
    shared,
    single,
    till_channel,
)
from tests.promotions.pricing_helpers import make_shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 12
PHONE = "13800138246"


@pytest.fixture
def member():
    make_shop()
    tmall()
    till_channel()  # before the threads, which would otherwise race to create it
    return make_member(phone=PHONE)


def _issued(template, member):
    return coupon_issue(
        template=template, member=member, source="manual", at=clock.now() - timedelta(days=1)
    )


def _honoured(result) -> str:
    return (
        "honoured"
        if result.coupons_honoured
        else "; ".join(d["reason"] for d in result.coupon_drift)
    )


@pytest.mark.parametrize("status", [PlatformStatus.PAID, PlatformStatus.PENDING])
def test_one_single_use_code_on_parallel_orders_is_honoured_by_exactly_one(member, status):
    coupon = _issued(make_template(), member)
    at = clock.now() - timedelta(minutes=5)

    def place(i: int):
        data = mp_order(
            f"TM-{i}", status=status, phone=PHONE, ordered_at=at, coupon_codes=(coupon.code,)
        )
        return marketplace_order_import(data=data)

    results = run_at_once(N, place)
    counts = outcomes(results, ok=_honoured)
    assert counts["honoured"] == 1, counts
    lost = "coupon_already_redeemed" if status == PlatformStatus.PAID else "coupon_reserved"
    assert counts == {"honoured": 1, lost: N - 1}
    assert Order.objects.count() == MarketplaceOrder.objects.count() == N  # none refused
    [winner] = [r for r in results if r.coupons_honoured]
    coupon.refresh_from_db()
    order = Order.objects.get(number=winner.order_number)
    assert order.total == Decimal("349.00")
    assert Order.objects.filter(total=Decimal("399.00")).count() == N - 1  # no discount held
    if status == PlatformStatus.PAID:
        assert (coupon.state, coupon.order_id) == ("redeemed", order.pk)
        assert Redemption.objects.filter(coupon=coupon).count() == 1
    else:
        assert (coupon.state, coupon.reservation_ref) == ("reserved", order.number)
        assert Redemption.objects.count() == 0
    assert MarketplaceCouponDrift.objects.filter(code=coupon.code).count() == N - 1


def test_mixed_shared_and_single_codes_in_any_order_never_deadlock(member):
    # Two single-use coupons of one template and a shared code, on marketplace orders (their
    # codes in either order) racing till redemptions (shared code, then the coupon).
    template = make_template(per_member_limit=5)
    first, second = _issued(template, member), _issued(template, member)
    code = make_shared(
        "RACE10",
        offer=make_offer(params={"amount": 1000}, stacking_group="shared"),
        per_member_limit=100,
    )
    at = clock.now() - timedelta(minutes=5)

    def work(i: int):
        if i % 3 == 2:  # the till: shared code and a coupon, one transaction
            target = first if i % 2 else second
            with transaction.atomic():
                order = make_order(member.pk)
                coupons_redeem(
                    used=[(shared("RACE10"), 1000), (single(target.pk, target.code), 5000)],
                    member_id=member.pk,
                    order_id=order.pk,
                    at=clock.now(),
                )
            return "till"
        codes = (second.code, "RACE10", first.code) if i % 2 else (first.code, "RACE10")
        data = mp_order(f"TM-{i}", phone=PHONE, ordered_at=at, coupon_codes=codes)
        return marketplace_order_import(data=data)

    results = run_at_once(N, work)
    # No deadlock, no 500: every outcome is a result or a coupon error code.
    counts = outcomes(results, ok=lambda r: r if r == "till" else "imported")
    assert set(counts) <= {"till", "imported", "coupon_already_redeemed"}, counts
    assert counts["imported"] == len([i for i in range(N) if i % 3 != 2])
    for coupon in (first, second):
        coupon.refresh_from_db()
        assert coupon.state == "redeemed"
        assert Redemption.objects.filter(coupon=coupon, reversed_at__isnull=True).count() == 1
    uses = Redemption.objects.filter(template=code, reversed_at__isnull=True).count()
    assert CouponTemplate.objects.get(pk=code.pk).shared_code_used == uses
    assert Coupon.objects.filter(state="reserved").count() == 0
