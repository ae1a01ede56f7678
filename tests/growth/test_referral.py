"""Member referral (老带新): the join hook, each fraud guard, the first order and the reward
after the cooling-off period."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.core.errors import NotFound
from omniloop.growth.models import Referral, ReferralProgram
from omniloop.growth.referral import (
    referral_device_seen,
    referral_link_for,
    referral_open,
    referral_reward_grant,
    referral_rewards_due,
)
from omniloop.growth.selectors import referral_counts, referrals_of
from omniloop.loyalty.selectors import points_balance
from omniloop.members.models import Member
from omniloop.members.privacy import member_erase, member_export
from omniloop.members.services import member_merge
from omniloop.messaging.models import Message
from omniloop.orders.returns import ReturnInput, order_return
from omniloop.promotions.models import Coupon
from omniloop.touchpoints.services import visitor_link
from tests.factories import make_member, make_product, make_store
from tests.growth.helpers import browser, join
from tests.orders.helpers import sell
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db
WELCOME = 100  # the brand's welcome points every new member gets


@pytest.fixture
def shop():
    store = make_store("gr01")
    make_product("GR100", price="200.00")
    return store


def _referred(referrer: Member, phone: str, *, device: str = "dev-1"):
    v = browser()
    referral_open(token=referral_link_for(member=referrer).token, visitor=v, device=device)
    result = join(phone, visitor=v)
    return result, Referral.objects.filter(referee_id=result.member_id).order_by("-pk").first()


def _buy(store, member, receipt: str = "R-1"):
    return sell(store, [("GR100-M", 1)], total="200.00", member=member, receipt=receipt)


def test_a_referee_who_joins_and_pays_earns_the_referrer_points_after_the_cooling_off(shop):
    referrer = make_member("13900000001")
    result, ref = _referred(referrer, "13900000002")
    assert ref is not None and (ref.status, ref.reason) == ("joined", "")
    assert ref.referrer_id == referrer.pk
    # The referee's welcome: the brand's welcome points plus the referral's.
    assert points_balance(member_id=result.member_id) == WELCOME + 50
    assert ref.referee_points == 50
    assert points_balance(member_id=referrer.pk) == 0

    order = _buy(shop, Member.objects.get(pk=result.member_id))
    ref.refresh_from_db()
    assert (ref.status, ref.first_order_id) == ("qualified", order.pk)
    assert ref.reward_due_at == ref.paid_at + timedelta(days=7)
    assert referral_rewards_due() == {}  # not due yet
    assert points_balance(member_id=referrer.pk) == 0

    later = clock.now() + timedelta(days=7, minutes=1)
    assert referral_rewards_due(at=later) == {"rewarded": 1}
    ref.refresh_from_db()
    assert (ref.status, ref.referrer_points) == ("rewarded", 200)
    assert points_balance(member_id=referrer.pk) == 200
    [msg] = Message.objects.filter(template="referral_rewarded")
    assert (msg.member_id, msg.context["points"]) == (referrer.pk, "200")
    # Granting again, or a second order, changes nothing.
    assert referral_reward_grant(referral_id=ref.pk, at=later).status == "rewarded"
    _buy(shop, Member.objects.get(pk=result.member_id), receipt="R-2")
    assert points_balance(member_id=referrer.pk) == 200
    assert Message.objects.filter(template="referral_rewarded").count() == 1
    assert referral_counts(member_id=referrer.pk)["rewarded"] == 1
    [row] = referrals_of(member_id=referrer.pk)
    assert row.status == "rewarded" and "1390000" not in row.referee_name


def test_the_reward_coupon_comes_from_the_configured_template(shop):
    template = make_template(name="推荐有礼")
    ReferralProgram.objects.update_or_create(pk=1, defaults={"referrer_template": template})
    referrer = make_member("13900000011")
    result, ref = _referred(referrer, "13900000012")
    _buy(shop, Member.objects.get(pk=result.member_id))
    referral_rewards_due(at=clock.now() + timedelta(days=8))
    ref.refresh_from_db()
    assert ref.referrer_coupon is not None
    assert Coupon.objects.filter(member=referrer, template=template, source="referral").count() == 1


def test_self_referral_by_the_same_member_or_phone_is_refused(shop):
    referrer = make_member("13900000021")
    # Opening one's own link in a fresh browser and "joining" with one's own phone.
    result, ref = _referred(referrer, "13900000021")
    assert result.member_id == referrer.pk
    assert (ref.status, ref.reason) == ("refused", "self_referral")
    assert points_balance(member_id=referrer.pk) == 0


def test_a_device_the_referrer_uses_is_a_self_referral(shop):
    referrer = make_member("13900000031")
    referral_device_seen(member=referrer, device="dev-mine")
    result, ref = _referred(referrer, "13900000032", device="dev-mine")
    assert result.created
    assert (ref.status, ref.reason) == ("refused", "self_device")
    # Refused: no referral welcome, only the brand's.
    assert points_balance(member_id=result.member_id) == WELCOME


def test_a_new_phone_joining_on_the_referrers_own_browser_is_a_self_referral(shop):
    referrer = make_member("13900000033")
    v = browser()
    visitor_link(visitor=v, member=referrer)  # the referrer's phone, logged in before
    referral_open(token=referral_link_for(member=referrer).token, visitor=v, device="")
    result = join("13900000034", visitor=v)
    assert result.created
    ref = Referral.objects.get(referee_id=result.member_id)
    assert (ref.status, ref.reason) == ("refused", "self_device")


def test_a_second_join_from_the_same_device_is_refused(shop):
    referrer = make_member("13900000041")
    _, first = _referred(referrer, "13900000042", device="dev-x")
    _, second = _referred(referrer, "13900000043", device="dev-x")
    assert first.status == "joined"
    assert (second.status, second.reason) == ("refused", "duplicate_device")


def test_a_browser_that_already_belongs_to_a_member_is_a_duplicate_device(shop):
    referrer = make_member("13900000051")
    v = browser()
    join("13900000052", visitor=v)  # someone joined on this browser before
    referral_open(token=referral_link_for(member=referrer).token, visitor=v, device="")
    result = join("13900000053", visitor=v)
    ref = Referral.objects.get(referee_id=result.member_id)
    assert (ref.status, ref.reason) == ("refused", "duplicate_device")


def test_a_phone_that_was_already_a_member_is_refused(shop):
    referrer = make_member("13900000061")
    existing = make_member("13900000062")
    result, ref = _referred(referrer, "13900000062")
    assert result.member_id == existing.pk and not result.created
    assert (ref.status, ref.reason) == ("refused", "already_member")


def test_an_erased_members_phone_rejoining_through_a_link_is_refused(shop):
    referrer = make_member("13900000071")
    gone = make_member("13900000072")
    member_erase(member_id=gone.pk, reason="request")
    result, ref = _referred(referrer, "13900000072")
    assert result.created and result.member_id != gone.pk  # they may come back themselves
    assert (ref.status, ref.reason) == ("refused", "phone_erased")


def test_a_link_opened_too_long_ago_does_not_count(shop):
    referrer = make_member("13900000081")
    v = browser()
    with freeze_time(clock.now() - timedelta(days=31)):
        referral_open(token=referral_link_for(member=referrer).token, visitor=v, device="d")
    result = join("13900000082", visitor=v)
    assert not Referral.objects.filter(referee_id=result.member_id).exists()


def test_an_unknown_link_is_refused():
    with pytest.raises(NotFound) as exc:
        referral_open(token="nope", visitor=browser(), device="")
    assert exc.value.code == "referral_link_unknown"


def test_the_monthly_cap_refuses_rewards_beyond_it(shop):
    ReferralProgram.objects.update_or_create(pk=1, defaults={"monthly_cap": 2})
    referrer = make_member("13900000091")
    for i in range(3):
        result, _ = _referred(referrer, f"1390000010{i}", device=f"d{i}")
        _buy(shop, Member.objects.get(pk=result.member_id), receipt=f"C-{i}")
    counts = referral_rewards_due(at=clock.now() + timedelta(days=8))
    assert counts == {"rewarded": 2, "referrer_cap": 1}
    assert points_balance(member_id=referrer.pk) == 400
    assert Referral.objects.filter(status="refused", reason="referrer_cap").count() == 1


def test_a_refund_of_the_first_order_in_the_cooling_off_cancels_the_reward(shop):
    referrer = make_member("13900000111")
    result, ref = _referred(referrer, "13900000112")
    order = _buy(shop, Member.objects.get(pk=result.member_id))
    order_return(order_number=order.number, ret=ReturnInput(reference="RET-1"), store=shop)
    ref.refresh_from_db()
    assert (ref.status, ref.reason) == ("cancelled", "first_order_refunded")
    assert referral_rewards_due(at=clock.now() + timedelta(days=30)) == {}
    assert points_balance(member_id=referrer.pk) == 0


def test_a_refund_missed_by_the_listener_is_caught_at_the_grant(shop):
    referrer = make_member("13900000121")
    result, _ref = _referred(referrer, "13900000122")
    order = _buy(shop, Member.objects.get(pk=result.member_id))
    type(order).objects.filter(pk=order.pk).update(refunded_total=Decimal("200.00"))
    assert referral_rewards_due(at=clock.now() + timedelta(days=8)) == {"first_order_refunded": 1}
    assert points_balance(member_id=referrer.pk) == 0


def test_merge_moves_referrals_and_export_and_erase_cover_them(shop):
    referrer = make_member("13900000131")
    twin = make_member("13900000132")
    referral_device_seen(member=twin, device="dev-twin")
    _, ref = _referred(twin, "13900000133", device="dev-r")
    member_merge(survivor_id=referrer.pk, merged_id=twin.pk, actor="test", reason="dup")
    ref.refresh_from_db()
    assert ref.referrer_id == referrer.pk
    section = member_export(member_id=referrer.pk)["sections"]["growth"]
    assert {"kind": "referral", "role": "referrer"}.items() <= section[0].items()
    member_erase(member_id=ref.referee_id, reason="request")
    ref.refresh_from_db()
    assert ref.device == ""
