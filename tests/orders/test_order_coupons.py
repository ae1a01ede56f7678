"""`orders.order_coupons`: codes priced, held, redeemed use by use; and the unpaid-order expiry
leaves marketplace orders alone (the platform takes their payment, ADR 43)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omniloop.core import clock
from omniloop.marketplace.services import marketplace_order_import
from omniloop.marketplace.values import PlatformStatus
from omniloop.orders.models import Order, OrderCoupon
from omniloop.orders.online_settle import online_orders_expire
from omniloop.orders.order_coupons import (
    CouponDrop,
    order_coupons_price,
    order_coupons_record,
    order_coupons_redeem,
)
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from omniloop.promotions.pricing import quote
from tests.factories import make_member
from tests.marketplace.helpers import mp_order, tmall
from tests.promotions.coupon_helpers import make_offer, make_order, make_shared, make_template
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop()
    tmall()
    shop.member = make_member(phone="13800138432")
    return shop


def _price(member_id, *, after=None):
    """The marketplace's quote; `after` runs between the quote and the hold."""

    def price(codes: list[str]):
        priced = quote(
            items=[("JK100-M", 1)],
            channel_code="tmall-flagship",
            store_id=None,
            member_id=member_id,
            coupon_codes=codes,
        )
        if after is not None:
            after()
        return priced

    return price


def test_a_hold_lost_after_the_quote_drops_the_code_and_reprices_without_it(shop):
    coupon = coupon_issue(template=make_template(), member=shop.member, source="manual")
    calls = []

    def taken_meanwhile():  # what another checkout would do without our row locks
        if not calls:
            Coupon.objects.filter(pk=coupon.pk).update(
                state="reserved",
                reservation_ref="ELSEWHERE",
                reserved_until=clock.now() + timedelta(minutes=15),
            )
        calls.append(1)

    held = order_coupons_price(
        codes=[coupon.code],
        price=_price(shop.member.pk, after=taken_meanwhile),
        member_id=shop.member.pk,
        ref="ORDER-1",
        now=clock.now(),
    )
    assert len(calls) == 2  # quoted, lost the hold, quoted again without the code
    assert held.honoured == ()
    assert held.dropped == (CouponDrop(coupon.code, "coupon_reserved"),)
    assert held.priced.total == Decimal("399.00")
    coupon.refresh_from_db()
    assert (coupon.state, coupon.reservation_ref) == ("reserved", "ELSEWHERE")


def test_two_codes_one_lost_keeps_the_other_held_and_priced(shop):
    template = make_template(make_offer(stacking_group="", params={"amount": 2000}))
    first = coupon_issue(template=template, member=shop.member, source="manual")
    second = coupon_issue(
        template=make_template(make_offer(params={"amount": 3000}), per_member_limit=1),
        member=shop.member,
        source="manual",
    )
    lost = []

    def take_second():
        if not lost:
            Coupon.objects.filter(pk=second.pk).update(state="redeemed")
            lost.append(1)

    held = order_coupons_price(
        codes=[first.code, second.code],
        price=_price(shop.member.pk, after=take_second),
        member_id=shop.member.pk,
        ref="ORDER-2",
        now=clock.now(),
    )
    assert held.honoured == (first.code,)
    assert [d.code for d in held.dropped] == [second.code]
    assert held.priced.total == Decimal("379.00")
    assert Coupon.objects.get(pk=first.pk).reservation_ref == "ORDER-2"


def test_payment_redeems_use_by_use_and_reports_what_it_could_not(shop):
    coupon = coupon_issue(template=make_template(), member=shop.member, source="manual")
    shared = make_shared("SHARED10", shared_code_limit=1)
    shared.offer.params = {"amount": 1000}
    shared.offer.stacking_group = "shared"
    shared.offer.save(update_fields=["params", "stacking_group"])
    order = make_order(member_id=shop.member.pk)
    held = order_coupons_price(
        codes=[coupon.code, "SHARED10"],
        price=_price(shop.member.pk),
        member_id=shop.member.pk,
        ref=order.number,
        now=clock.now(),
    )
    assert set(held.honoured) == {coupon.code, "SHARED10"}, held.dropped
    order_coupons_record(order=order, priced=held.priced)
    CouponTemplate.objects.filter(pk=shared.pk).update(shared_code_used=1)  # filled meanwhile
    dropped = order_coupons_redeem(order=order, at=clock.now())
    assert dropped == [CouponDrop("SHARED10", "coupon_limit_reached", "payment")]
    assert Coupon.objects.get(pk=coupon.pk).state == "redeemed"
    assert list(Redemption.objects.values_list("coupon_id", "order_id")) == [(coupon.pk, order.pk)]
    assert OrderCoupon.objects.filter(order=order).count() == 2  # the order was priced with both


def test_the_unpaid_order_expiry_leaves_marketplace_orders_alone(shop):
    coupon = coupon_issue(
        template=make_template(),
        member=shop.member,
        source="manual",
        at=clock.now() - timedelta(days=2),
    )
    result = marketplace_order_import(
        data=mp_order(
            status=PlatformStatus.PENDING,
            phone="13800138432",
            ordered_at=clock.now() - timedelta(days=1),
            coupon_codes=(coupon.code,),
        )
    )
    assert online_orders_expire(at=clock.now()) == 0
    order = Order.objects.get(number=result.order_number)
    assert order.status == Order.Status.PENDING
    coupon.refresh_from_db()
    assert (coupon.state, coupon.reservation_ref) == ("reserved", order.number)
