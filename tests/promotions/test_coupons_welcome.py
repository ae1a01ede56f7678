"""Welcome coupons: every active welcome template gives a new member one coupon when they join,
once; a used-up template never makes the join fail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.phones import parse_phone
from omniloop.members.services import otp_issue
from omniloop.onboarding.services import member_join
from omniloop.promotions.coupons import coupon_issue, coupons_welcome_issue
from omniloop.promotions.models import Coupon, CouponTemplate
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db
PHONE = "13912345678"


def _join():
    code = otp_issue(phone=parse_phone(PHONE))
    return member_join(phone_raw=PHONE, code=code, consents={}, visitor=None, scene=None)


def test_a_new_member_gets_one_coupon_of_each_active_welcome_template():
    welcome = make_template(welcome=True, name="新人立减")
    also = make_template(welcome=True, name="新人包邮")
    make_template(name="not a welcome gift")
    off = make_template(welcome=True)
    CouponTemplate.objects.filter(pk=off.pk).update(active=False)
    gone = make_template(welcome=True, valid_until=clock.now() + timedelta(seconds=1))
    CouponTemplate.objects.filter(pk=gone.pk).update(valid_until=clock.now())
    result = _join()
    assert result.created and result.welcome_coupons == 2
    coupons = Coupon.objects.filter(member_id=result.member_id).order_by("template_id")
    assert [(c.template_id, c.source) for c in coupons] == [
        (welcome.pk, "welcome"),
        (also.pk, "welcome"),
    ]


def test_logging_in_again_gives_no_second_welcome():
    make_template(welcome=True)
    first = _join()
    again = _join()
    assert (again.created, again.welcome_coupons) == (False, 0)
    assert Coupon.objects.filter(member_id=first.member_id).count() == 1


def test_welcome_issue_is_idempotent_and_skips_used_up_templates():
    member = make_member()
    make_template(welcome=True, issue_limit=1, per_member_limit=5)
    assert len(coupons_welcome_issue(member=member)) == 1
    assert coupons_welcome_issue(member=member) == []
    assert Coupon.objects.filter(member=member).count() == 1
    # Another member finds the template used up: the join still succeeds, without the coupon.
    make_template(welcome=True)
    result = _join()
    assert result.created and result.welcome_coupons == 1


def test_a_coupon_from_another_source_does_not_stand_in_for_the_welcome_one():
    member = make_member()
    template = make_template(welcome=True, per_member_limit=2)
    coupon_issue(template=template, member=member, source="manual")
    assert [c.source for c in coupons_welcome_issue(member=member)] == ["welcome"]
