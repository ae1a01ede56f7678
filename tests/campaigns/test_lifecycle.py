"""Campaign lifecycle: drafts and approvals (audited, roles), launch freezing the audience and
splitting it, fan-out giving coupons and messages to the treated group only, within budget."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.audit.models import AuditEvent
from omniloop.campaigns.holdout import held_out
from omniloop.campaigns.models import Campaign, CampaignMember
from omniloop.campaigns.playbooks import PLAYBOOKS, campaign_from_playbook
from omniloop.campaigns.services import (
    campaign_approve,
    campaign_clone,
    campaign_draft,
    campaign_fanout,
    campaign_launch,
    campaign_submit,
    campaign_update,
    discount_bound_fen,
)
from omniloop.core.errors import Conflict, PermissionDenied, ValidationFailed
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import (
    actors,
    approved,
    coupon_template,
    everyone_segment,
    launched,
    make_members,
)
from tests.promotions.coupon_helpers import make_offer, make_template

pytestmark = pytest.mark.django_db


def test_marketer_drafts_hq_approves_and_each_step_is_audited():
    make_members(5)
    segment = everyone_segment()
    marketer, admin = actors()
    c = campaign_draft(
        actor=marketer, name="周末早晨", segment=segment, coupon_template=coupon_template()
    )
    with pytest.raises(Conflict) as exc:
        campaign_launch(campaign=c)
    assert exc.value.code == "campaign_not_approved"
    campaign_submit(actor=marketer, campaign=c)
    with pytest.raises(PermissionDenied):
        campaign_approve(actor=marketer, campaign=c)
    c = campaign_approve(actor=admin, campaign=c)
    assert c.status == Campaign.Status.APPROVED and c.approved_by_id == admin.user_id
    assert c.discount_bound_fen == 5000
    actions = list(
        AuditEvent.objects.filter(target_type="campaign", target_id=str(c.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["campaign.draft", "campaign.submit", "campaign.approve"]
    assert not Message.objects.exists() and not Coupon.objects.exists()


def test_a_changed_campaign_goes_back_to_draft_and_a_launched_one_cannot_change():
    make_members(3)
    segment = everyone_segment()
    marketer, admin = actors()
    c = campaign_draft(actor=marketer, name="x", segment=segment)
    campaign_submit(actor=marketer, campaign=c)
    c = campaign_update(actor=marketer, campaign=c, title="新标题")
    assert c.status == Campaign.Status.DRAFT
    with pytest.raises(Conflict):
        campaign_approve(actor=admin, campaign=c)
    c = launched(segment)
    with pytest.raises(Conflict) as exc:
        campaign_update(actor=marketer, campaign=c, title="late")
    assert exc.value.code == "campaign_not_draft"


def test_no_holdout_needs_a_reason_and_an_unbounded_offer_cannot_be_budgeted():
    make_members(2)
    segment = everyone_segment()
    marketer, _ = actors()
    with pytest.raises(ValidationFailed) as exc:
        campaign_draft(actor=marketer, name="x", segment=segment, holdout_share=Decimal("0"))
    assert exc.value.code == "campaign_holdout_reason_required"
    campaign_draft(
        actor=marketer,
        name="x",
        segment=segment,
        holdout_share=Decimal("0"),
        holdout_reason="法规要求所有会员都收到",
    )
    unbounded = make_template(make_offer(kind="percent_off", params={"pay_percent": 80}))
    with pytest.raises(ValidationFailed) as exc:
        discount_bound_fen(unbounded)
    assert exc.value.code == "campaign_offer_unbounded"
    capped = make_template(make_offer(kind="percent_off", params={"pay_percent": 80, "cap": 3000}))
    assert discount_bound_fen(capped) == 3000


def test_launch_freezes_the_audience_and_fanout_treats_only_the_treated():
    ids = make_members(60)
    segment = everyone_segment()
    c = launched(segment, holdout_share=Decimal("0.3"))
    rows = dict(CampaignMember.objects.filter(campaign=c).values_list("member_id", "group"))
    assert sorted(rows) == ids
    out = held_out(c.salt, c.holdout_share, ids)
    assert {m for m, g in rows.items() if g == "holdout"} == {
        m for m, o in zip(ids, out, strict=True) if o
    }
    sent = campaign_fanout(campaign_id=c.pk, size=7)
    treated = {m for m, g in rows.items() if g == "treated"}
    assert sent == len(treated)
    assert set(Coupon.objects.values_list("member_id", flat=True)) == treated
    assert (
        set(Message.objects.filter(cause=f"campaign:{c.pk}").values_list("member_id", flat=True))
        == treated
    )
    c.refresh_from_db()
    assert c.coupons_issued == len(treated) and c.discount_committed_fen == 5000 * len(treated)
    # A member who joins later, and a segment refreshed later, do not change the campaign.
    make_members(5)
    from omniloop.insights.features import features_rebuild
    from omniloop.insights.services import segment_refresh

    features_rebuild()
    segment_refresh(segment)
    assert CampaignMember.objects.filter(campaign=c).count() == 60
    assert campaign_fanout(campaign_id=c.pk) == 0
    assert c.segment_version is not None and c.segment_version.member_count == 60


def test_a_second_launch_is_refused():
    make_members(4)
    c = launched(everyone_segment())
    with pytest.raises(Conflict):
        campaign_launch(campaign=c)


@pytest.mark.parametrize(
    ("budget", "expected"),
    [({"max_coupons": 10}, 10), ({"max_discount_fen": 5000 * 7 + 4999}, 7)],
)
def test_budget_stops_the_fanout(budget, expected):
    make_members(40)
    c = launched(everyone_segment(), holdout_share=Decimal("0.1"), **budget)
    campaign_fanout(campaign_id=c.pk, size=3)
    c.refresh_from_db()
    assert Coupon.objects.count() == expected == c.coupons_issued
    assert Message.objects.count() == expected
    states = set(
        CampaignMember.objects.filter(campaign=c, group="treated").values_list("state", flat=True)
    )
    assert states == {"sent", "over_budget"}


def test_brand_control_members_are_never_treated():
    from omniloop.campaigns.services import brand_control

    ids = make_members(200)
    control = brand_control()
    control.share = Decimal("0.2")
    control.save()
    c = launched(everyone_segment(), use_brand_control=True)
    in_control = {
        m for m, o in zip(ids, held_out(control.salt, control.share, ids), strict=True) if o
    }
    groups = dict(CampaignMember.objects.filter(campaign=c).values_list("member_id", "group"))
    assert {m for m, g in groups.items() if g == "control"} == in_control
    campaign_fanout(campaign_id=c.pk)
    assert not Coupon.objects.filter(member_id__in=in_control).exists()


def test_clone_is_a_new_draft_with_changes_and_a_new_salt():
    make_members(3)
    c = approved(everyone_segment(), title="原标题")
    marketer, _ = actors()
    clone = campaign_clone(actor=marketer, campaign=c, title="再来一次", max_coupons=5)
    assert clone.status == Campaign.Status.DRAFT and clone.cloned_from_id == c.pk
    assert (clone.title, clone.max_coupons, clone.coupon_template_id) == (
        "再来一次",
        5,
        c.coupon_template_id,
    )
    assert clone.salt != c.salt


@pytest.mark.parametrize(
    "key",
    [
        p.key
        for p in PLAYBOOKS
        # Scheduled and narrowed playbooks (ADR 35) have their own tests (tests/campaigns/
        # test_schedules.py, test_playbooks_more.py).
        if "schedule" not in dict(p.fields) and "narrowing" not in dict(p.fields)
    ],
)
def test_every_one_off_playbook_makes_a_draft_that_launches(key):
    make_members(5)
    marketer, admin = actors()
    c = campaign_from_playbook(actor=marketer, key=key, coupon_template=coupon_template())
    assert c.status == Campaign.Status.DRAFT and c.playbook == key
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    c = campaign_launch(campaign=c)
    assert c.segment_version is not None and c.segment_version.segment_id == c.segment_id


def test_the_database_refuses_counters_beyond_the_budget():
    """The backstop under the row-locked counting: CHECK constraints on the campaign row."""
    from django.db import IntegrityError, transaction
    from django.db.models import F

    make_members(3)
    c = approved(everyone_segment(), max_coupons=2, max_discount_fen=10_000)
    for change in ({"coupons_issued": F("coupons_issued") + 3}, {"discount_committed_fen": 10_001}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Campaign.objects.filter(pk=c.pk).update(**change)
