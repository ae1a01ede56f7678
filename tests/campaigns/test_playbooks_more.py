"""The playbooks of ADR 35: birthday (triggered), new product on every channel, new store
(members near it, a coupon valid only there), imported legacy members invited to bind their
card (WeChat where they follow, SMS otherwise), welcome series (a triggered journey); and the
campaign entries on member merges and exports."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from omniloop.attribution.models import MemberBinding
from omniloop.campaigns.models import Campaign, CampaignMember, JourneyStep
from omniloop.campaigns.playbooks import campaign_from_playbook
from omniloop.campaigns.services import (
    campaign_approve,
    campaign_fanout,
    campaign_launch,
    campaign_submit,
)
from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.insights.features import features_rebuild
from omniloop.members.models import Member
from omniloop.messaging.models import Message
from omniloop.messaging.templates import template_get
from omniloop.orders.models import OrderAddress
from omniloop.wall.models import SiteArea
from omniloop.wechat.models import WechatMemberCard
from tests.campaigns.helpers import actors, coupon_template, make_members, order
from tests.factories import make_store
from tests.promotions.coupon_helpers import make_offer, make_template, till_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()


def _go(key: str, **fields) -> Campaign:
    marketer, admin = actors()
    fields.setdefault("use_brand_control", False)
    c = campaign_from_playbook(actor=marketer, key=key, **fields)
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    return campaign_launch(campaign=c)


def test_the_birthday_playbook_is_triggered_and_names_the_coupon():
    c = _go("birthday", coupon_template=coupon_template())
    assert (c.schedule, c.trigger, c.segment_id) == ("triggered", "birthday", None)
    assert c.status == Campaign.Status.RUNNING and c.segment_version is None
    tpl = template_get(c.message_template)
    assert tpl is not None and "coupon_code" in tpl.variables
    marketer, _ = actors()
    with pytest.raises(ValidationFailed) as err:
        campaign_from_playbook(actor=marketer, key="birthday")  # no coupon: nothing to name
    assert err.value.code == "campaign_coupon_required"


def test_the_new_product_push_goes_out_on_every_channel():
    ids = make_members(20)
    for m in ids:
        order(m, "20.00", at=clock.now() - timedelta(days=3))
    features_rebuild()
    c = _go("new-product-everywhere", holdout_share=Decimal("0.2"))
    assert c.channel == "all"
    campaign_fanout(campaign_id=c.pk)
    sent = CampaignMember.objects.filter(campaign=c, state="sent").values_list(
        "member_id", flat=True
    )
    assert len(sent) > 0
    for m in sent:
        channels = sorted(
            Message.objects.filter(cause=f"campaign:{c.pk}", member_id=m).values_list(
                "channel_requested", flat=True
            )
        )
        assert channels == ["email", "sms", "wechat"]
    held = CampaignMember.objects.filter(campaign=c, group="holdout").values_list(
        "member_id", flat=True
    )
    assert not Message.objects.filter(member_id__in=list(held)).exists()


def test_the_new_store_invites_members_nearby_with_a_store_only_coupon():
    new = make_store(
        latitude=Decimal("31.230000"), longitude=Decimal("121.470000"), status="planned"
    )
    near = make_store(latitude=Decimal("31.240000"), longitude=Decimal("121.480000"))  # ~1.5 km
    far = make_store(latitude=Decimal("30.250000"), longitude=Decimal("120.160000"))  # Hangzhou
    (bound_near, bound_far, shipped_near, nowhere) = make_members(4)
    now = timezone.now()
    for m, s in ((bound_near, near), (bound_far, far)):
        MemberBinding.objects.create(
            member_id=m,
            store=s,
            recruited_store=s,
            bound_at=now,
            protected_until=now + timedelta(days=90),
        )
    o = order(shipped_near, "99.00")
    OrderAddress.objects.create(
        order=o, recipient="王", phone_encrypted=b"x", phone_masked="138****0000",
        region="静安区", line="1 号",
    )  # fmt: skip
    SiteArea.objects.create(
        region="静安区", latitude=Decimal("31.228"), longitude=Decimal("121.455")
    )
    features_rebuild()

    everywhere = coupon_template()
    marketer, _ = actors()
    with pytest.raises(ValidationFailed) as err:
        campaign_from_playbook(
            actor=marketer, key="new-store", coupon_template=everywhere, store=new
        )
    assert err.value.code == "campaign_coupon_not_store_only"
    with pytest.raises(ValidationFailed) as err:
        campaign_from_playbook(actor=marketer, key="new-store")  # no store
    assert err.value.code == "campaign_store_required"

    offer = make_offer(name="新店礼")
    offer.stores.set([new])
    only_there = make_template(offer=offer, name="新店邀请券")
    c = _go(
        "new-store",
        coupon_template=only_there,
        store=new,
        radius_km=Decimal("5"),
        holdout_share=Decimal("0"),
        holdout_reason="a test of the audience",
    )
    entered = set(CampaignMember.objects.filter(campaign=c).values_list("member_id", flat=True))
    assert entered == {bound_near, shipped_near}
    assert bound_far not in entered and nowhere not in entered
    campaign_fanout(campaign_id=c.pk)
    msg = Message.objects.filter(cause=f"campaign:{c.pk}").first()
    assert msg is not None and msg.context["store"] == new.name and msg.context["coupon_code"]


def test_legacy_members_without_a_card_are_invited_wechat_first_then_sms():
    (legacy, carded, joined_here) = make_members(3)
    Member.objects.filter(pk__in=[legacy, carded]).update(join_source="import")
    WechatMemberCard.objects.create(card_id="pCARD", code="C0001", openid="o-1", member_id=carded)
    features_rebuild()
    c = _go("legacy-bind", holdout_share=Decimal("0"), holdout_reason="a test of the audience")
    assert CampaignMember.objects.get(campaign=c).group == "treated"
    assert list(CampaignMember.objects.filter(campaign=c).values_list("member_id", flat=True)) == [
        legacy
    ]
    tpl = template_get(c.message_template)
    assert tpl is not None and tpl.channels == ("wechat", "sms")
    campaign_fanout(campaign_id=c.pk)
    msg = Message.objects.get(cause=f"campaign:{c.pk}")
    assert msg.member_id == legacy and msg.channel_requested == ""  # the fallback order decides
    assert joined_here not in CampaignMember.objects.values_list("member_id", flat=True)


def test_the_welcome_series_is_a_triggered_journey():
    c = _go("welcome-series", coupon_template=coupon_template())
    assert (c.schedule, c.trigger) == ("triggered", "joined")
    kinds = list(JourneyStep.objects.filter(campaign=c).values_list("kind", flat=True))
    assert kinds == ["send", "wait", "condition", "send"]


def test_a_merge_moves_entries_and_keeps_the_survivors_on_a_clash():
    from omniloop.campaigns.member_data import campaigns_export, campaigns_merge

    c = _go("birthday", coupon_template=coupon_template())
    (keep, gone) = make_members(2)
    from omniloop.campaigns.schedules import campaign_enter

    campaign_enter(campaign=c, pairs=[(keep, "birthday:2026"), (gone, "birthday:2026")])
    campaign_enter(campaign=c, pairs=[(gone, "birthday:2027")])
    survivor, merged = Member.objects.get(pk=keep), Member.objects.get(pk=gone)
    counts = campaigns_merge(survivor, merged)
    assert counts["campaign_entries"] == 1 and counts["campaign_entries_folded"] == 1
    assert sorted(
        CampaignMember.objects.filter(campaign=c).values_list("member_id", "occasion")
    ) == [(keep, "birthday:2026"), (keep, "birthday:2027")]
    rows = campaigns_export(survivor)
    assert {r["occasion"] for r in rows} == {"birthday:2026", "birthday:2027"}
