"""Deactivating, reactivating and retiring a coupon template: issuing stops, issued coupons stay
valid unless retired, and retiring voids exactly what its preview counted."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.core.phones import parse_phone
from omniloop.members.services import otp_issue
from omniloop.onboarding.services import member_join
from omniloop.promotions.coupon_template_status import (
    coupon_template_deactivate,
    coupon_template_reactivate,
    coupon_template_retire,
    coupon_template_retire_preview,
)
from omniloop.promotions.coupons import (
    coupon_candidates,
    coupon_claim,
    coupon_issue,
    coupon_issue_bulk,
    coupons_redeem,
    coupons_reserve,
)
from omniloop.promotions.models import Coupon, CouponTemplate, Offer
from omniloop.promotions.selectors import member_wallet
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_order, make_shared, make_template, single

pytestmark = pytest.mark.django_db


def _problems(codes, member_id, **kw):
    return coupon_candidates(codes=codes, member_id=member_id, at=clock.now(), **kw)[1]


def _code(exc_info) -> str:
    return exc_info.value.code


def test_a_deactivated_template_issues_nothing_but_its_coupons_stay_valid():
    template = make_template(claimable=True, welcome=True)
    member = make_member()
    coupon = coupon_issue(template=template, member=member, source="manual")
    coupon_template_deactivate(template_id=template.pk)
    coupon_template_deactivate(template_id=template.pk)  # idempotent
    template = CouponTemplate.objects.get(pk=template.pk)
    assert template.active is False
    with pytest.raises(ApplicationError) as info:
        coupon_issue(template=template, member=make_member(), source="manual")
    assert _code(info) == "coupon_template_inactive"
    with pytest.raises(ApplicationError) as info:
        coupon_claim(claim_token=template.claim_token, member=make_member())
    assert _code(info) == "coupon_template_inactive"
    with pytest.raises(ApplicationError) as info:
        coupon_issue_bulk(template=template, member_ids=[make_member().pk])
    assert _code(info) == "coupon_template_inactive"
    phone = "13912345678"
    joined = member_join(
        phone_raw=phone,
        code=otp_issue(phone=parse_phone(phone)),
        consents={},
        visitor=None,
        scene=None,
    )
    assert joined.welcome_coupons == 0
    # The coupon already issued is still good at the till and in the wallet.
    assert _problems([coupon.code], member.pk) == []
    assert [c.pk for c in member_wallet(member_id=member.pk, at=clock.now()).usable] == [coupon.pk]
    coupon_template_reactivate(template_id=template.pk)
    template = CouponTemplate.objects.get(pk=template.pk)
    assert coupon_issue(template=template, member=make_member(), source="manual").pk
    assert Coupon.objects.filter(template=template).count() == 2


def test_reactivating_is_refused_once_the_offer_has_ended():
    template = make_template()
    coupon_template_deactivate(template_id=template.pk)
    Offer.objects.filter(pk=template.offer_id).update(status=Offer.Status.ENDED)
    with pytest.raises(ApplicationError) as info:
        coupon_template_reactivate(template_id=template.pk)
    assert _code(info) == "coupon_offer_ended"
    assert CouponTemplate.objects.get(pk=template.pk).active is False


def test_a_deactivated_shared_template_stops_its_code():
    template = make_shared("SPRING50")
    member = make_member()
    assert _problems(["SPRING50"], member.pk) == []
    coupon_template_deactivate(template_id=template.pk)
    assert [p.reason for p in _problems(["SPRING50"], member.pk)] == ["coupon_inactive"]


def test_retire_voids_the_unused_coupons_its_preview_counted_and_nothing_else():
    template = make_template(valid_days=30)
    members = [make_member() for _ in range(5)]
    unused, held, redeemed, expired, lapsed_hold = (
        coupon_issue(template=template, member=m, source="manual") for m in members
    )
    now = clock.now()
    coupons_reserve(codes=[held.code], member_id=members[1].pk, ref="cart-1", at=now)
    Coupon.objects.filter(pk=lapsed_hold.pk).update(  # a checkout that never came back
        state="reserved", reservation_ref="cart-2", reserved_until=now - timedelta(minutes=1)
    )
    coupons_redeem(
        used=[(single(redeemed.pk), 100)],
        member_id=members[2].pk,
        order_id=make_order(members[2].pk).pk,
        at=now,
    )
    Coupon.objects.filter(pk=expired.pk).update(valid_until=now - timedelta(seconds=1))

    preview = coupon_template_retire_preview(template=template, at=now)
    assert (preview.unused, preview.held) == (3, 1)
    assert coupon_template_retire(template_id=template.pk, at=now) == 3

    states = dict(Coupon.objects.filter(template=template).values_list("pk", "state"))
    assert states == {
        unused.pk: "void",
        held.pk: "void",
        lapsed_hold.pk: "void",
        redeemed.pk: "redeemed",
        expired.pk: "issued",
    }
    assert CouponTemplate.objects.get(pk=template.pk).active is False
    assert not Coupon.objects.filter(template=template, reservation_ref__gt="").exists()
    # The checkout that held a coupon is refused it now.
    problems = _problems([held.code], members[1].pk, reservation_ref="cart-1")
    assert [p.reason for p in problems] == ["coupon_inactive"]
    # Reactivating issues again but revives nothing; retiring again voids nothing more.
    coupon_template_reactivate(template_id=template.pk)
    assert Coupon.objects.filter(template=template, state="void").count() == 3
    assert coupon_template_retire(template_id=template.pk) == 0


def test_unknown_templates_are_not_found():
    for action in (coupon_template_deactivate, coupon_template_reactivate, coupon_template_retire):
        with pytest.raises(ApplicationError) as info:
            action(template_id=987654)
        assert (_code(info), info.value.status) == ("coupon_template_not_found", 404)
