"""Our coupon codes on marketplace orders (ADR 43): priced by the one engine in the shop's
channel, held when the order arrives, redeemed when it is paid, released when it is cancelled;
a code we cannot honour is drift with its reason, never a refused order."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.marketplace.models import MarketplaceCouponDrift, MarketplaceOrder
from omniloop.marketplace.selectors import marketplace_coupon_drift
from omniloop.marketplace.services import marketplace_order_import, marketplace_order_status
from omniloop.marketplace.values import PlatformStatus
from omniloop.orders.models import Order, OrderCoupon
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from omniloop.promotions.pricing import quote
from tests.factories import make_member
from tests.marketplace.helpers import mp_order, tmall
from tests.promotions.coupon_helpers import make_offer, make_shared, make_template
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db
PHONE = "13800138321"


def _yesterday():
    return clock.now() - timedelta(days=1)


@pytest.fixture
def shop():
    shop = make_shop()
    tmall()
    shop.member = make_member(phone=PHONE)
    return shop


def _coupon(member, **offer_fields) -> Coupon:
    """A coupon issued yesterday (a code is checked at the time the order was placed)."""
    template = make_template(make_offer(**offer_fields)) if offer_fields else make_template()
    return coupon_issue(template=template, member=member, source="manual", at=_yesterday())


def _state(code: str) -> tuple[str, str]:
    c = Coupon.objects.get(code=code)
    return c.state, c.reservation_ref


def _import(external_id: str = "TM-1001", codes: tuple[str, ...] = (), **kw):
    kw.setdefault("phone", PHONE)
    return marketplace_order_import(data=mp_order(external_id, coupon_codes=codes, **kw))


def test_a_paid_order_is_priced_with_the_coupon_as_the_till_is_and_redeems_it(shop):
    coupon = _coupon(shop.member)
    ours = quote(  # before the order: afterwards the coupon is used
        items=[("JK100-M", 1)],
        channel_code="tmall-flagship",
        store_id=None,
        member_id=shop.member.pk,
        coupon_codes=[coupon.code],
    )
    result = _import(codes=(coupon.code,))
    order = Order.objects.get(number=result.order_number)
    assert order.total == ours.total == Decimal("349.00")  # ¥399 less the coupon's ¥50
    assert result.coupons_honoured == (coupon.code,) and result.coupon_drift == ()
    assert _state(coupon.code) == ("redeemed", "")
    assert Coupon.objects.get(pk=coupon.pk).order_id == order.pk
    assert list(Redemption.objects.values_list("coupon_id", "order_id", "discount")) == [
        (coupon.pk, order.pk, Decimal("50.00"))
    ]
    assert list(OrderCoupon.objects.values_list("code", "discount_fen")) == [(coupon.code, 5000)]
    assert MarketplaceCouponDrift.objects.count() == 0


def test_pending_holds_the_coupon_paid_redeems_it_once(shop):
    coupon = _coupon(shop.member)
    at = clock.now() - timedelta(hours=1)
    pending = _import(codes=(coupon.code,), status=PlatformStatus.PENDING, ordered_at=at)
    assert _state(coupon.code) == ("reserved", pending.order_number)
    assert Redemption.objects.count() == 0
    # The hold outlasts the till's 15 minutes: the platform has days to take the payment.
    held = Coupon.objects.get(pk=coupon.pk).reserved_until
    assert held is not None and held > clock.now() + timedelta(hours=24)
    # Another order with the same code meanwhile: imported, the code not honoured.
    other = _import("TM-2002", codes=(coupon.code,))
    assert other.coupons_honoured == ()
    assert other.coupon_drift == (
        {"code": coupon.code, "reason": "coupon_reserved", "stage": "arrival"},
    )
    assert Order.objects.get(number=other.order_number).total == Decimal("399.00")
    paid = _import(codes=(coupon.code,), ordered_at=at)  # the next sync: now paid
    assert paid.status == "paid" and paid.coupons_honoured == (coupon.code,)
    assert _state(coupon.code) == ("redeemed", "")
    assert Redemption.objects.filter(coupon=coupon).count() == 1


def test_a_cancelled_pending_order_releases_its_coupon(shop):
    coupon = _coupon(shop.member)
    _import(codes=(coupon.code,), status=PlatformStatus.PENDING)
    marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-1001", status=PlatformStatus.CANCELLED
    )
    assert _state(coupon.code) == ("issued", "")
    assert Redemption.objects.count() == 0
    again = _import("TM-2002", codes=(coupon.code,))  # usable again
    assert again.coupons_honoured == (coupon.code,)


def test_a_cancelled_paid_order_gives_the_coupon_back(shop):
    coupon = _coupon(shop.member)
    _import(codes=(coupon.code,))
    marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-1001", status=PlatformStatus.CANCELLED
    )
    assert _state(coupon.code) == ("issued", "")
    assert Redemption.objects.get().reversed_at is not None


def test_codes_we_cannot_honour_are_drift_with_their_reasons_and_the_order_imports(shop):
    mine = _coupon(shop.member)
    used = _coupon(shop.member)
    _import("TM-0", codes=(used.code,))
    expired = _coupon(shop.member)
    Coupon.objects.filter(pk=expired.pk).update(valid_until=clock.now() - timedelta(days=2))
    others = _coupon(make_member(phone="13900139111"))
    till_only = _coupon(shop.member, channels=["store-till"])
    codes = (mine.code, "NOPE1234", used.code, expired.code, others.code, till_only.code)
    result = _import(codes=codes)
    order = Order.objects.get(number=result.order_number)
    assert order.status == "paid"
    assert result.coupons_honoured == (mine.code,)
    assert sorted((d["code"], d["reason"]) for d in result.coupon_drift) == sorted(
        [
            ("NOPE1234", "coupon_unknown"),
            (used.code, "coupon_already_redeemed"),
            (expired.code, "coupon_expired"),
            (others.code, "coupon_not_yours"),
            (till_only.code, "offer_wrong_channel"),
        ]
    )
    assert order.total == Decimal("349.00")  # only the one honoured coupon priced in
    for c in (used, expired, others, till_only):
        assert Coupon.objects.get(pk=c.pk).order_id != order.pk
    assert _state(till_only.code) == ("issued", "") and _state(others.code) == ("issued", "")
    summary = marketplace_coupon_drift()
    assert summary.total == 5
    assert dict(summary.by_reason) == {
        "coupon_unknown": 1,
        "coupon_already_redeemed": 1,
        "coupon_expired": 1,
        "coupon_not_yours": 1,
        "offer_wrong_channel": 1,
    }
    assert {row["external_id"] for row in summary.latest} == {"TM-1001"}
    assert marketplace_coupon_drift(channel="jd-flagship").total == 0


def test_an_anonymous_buyer_may_use_no_members_coupon(shop):
    coupon = _coupon(shop.member)
    result = _import(codes=(coupon.code,), phone="")
    assert result.coupon_drift == (
        {"code": coupon.code, "reason": "coupon_not_yours", "stage": "arrival"},
    )
    assert _state(coupon.code) == ("issued", "")


def test_a_store_scoped_coupon_is_not_for_a_marketplace_order(shop):
    offer = make_offer()
    offer.stores.add(shop.store)
    template = make_template(offer)
    coupon = coupon_issue(template=template, member=shop.member, source="manual", at=_yesterday())
    result = _import(codes=(coupon.code,))
    assert [d["reason"] for d in result.coupon_drift] == ["offer_wrong_store"]
    assert _state(coupon.code) == ("issued", "")


def test_a_shared_code_is_taken_at_payment_and_a_filled_one_is_drift_then(shop):
    template = make_shared("TMALL20", shared_code_limit=1)
    first = _import(codes=("tmall20",), status=PlatformStatus.PENDING)
    second = _import("TM-2002", codes=("TMALL20",), status=PlatformStatus.PENDING)
    assert first.coupons_honoured == second.coupons_honoured == ("TMALL20",)
    assert CouponTemplate.objects.get(pk=template.pk).shared_code_used == 0
    marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-1001", status=PlatformStatus.PAID
    )
    late = marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-2002", status=PlatformStatus.PAID
    )
    assert CouponTemplate.objects.get(pk=template.pk).shared_code_used == 1
    assert late.coupon_drift == (
        {"code": "TMALL20", "reason": "coupon_limit_reached", "stage": "payment"},
    )
    assert late.coupons_honoured == ()
    assert Redemption.objects.count() == 1


def test_the_same_order_with_its_codes_replays_and_other_codes_conflict(shop):
    coupon = _coupon(shop.member)
    at = clock.now() - timedelta(hours=1)
    first = _import(codes=(coupon.code,), ordered_at=at)
    again = _import(codes=(coupon.code.lower(),), ordered_at=at)
    assert again.replayed and again.coupons_honoured == (coupon.code,)
    with pytest.raises(ApplicationError) as exc:
        _import(codes=(), ordered_at=at)
    assert exc.value.code == "marketplace_order_conflict"
    assert Order.objects.count() == 1 and first.order_number == again.order_number
    assert Redemption.objects.count() == 1


def test_too_many_codes_are_refused_and_nothing_written(shop):
    with pytest.raises(ApplicationError) as exc:
        _import(codes=tuple(f"CODE{i:04d}" for i in range(21)))
    assert exc.value.code == "coupon_too_many_codes"
    assert Order.objects.count() == 0 and MarketplaceOrder.objects.count() == 0


def test_a_code_is_checked_at_the_time_the_order_was_placed(shop):
    # Issued after the buyer ordered on the platform: it could not have been used then.
    coupon = coupon_issue(template=make_template(), member=shop.member, source="manual")
    result = _import(codes=(coupon.code,), ordered_at=clock.now() - timedelta(hours=1))
    assert [d["reason"] for d in result.coupon_drift] == ["coupon_not_started"]
    assert _state(coupon.code) == ("issued", "")
