"""Journeys (ADR 35): trigger -> wait -> condition -> action per entrant, advanced by the
periodic job; a failing (killed) worker leaves nothing behind and the retry acts once; the
message a treated member gets names their own coupon."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest

from omniloop.campaigns.journeys import (
    StepSpec,
    journey_counts,
    journey_save,
    journeys_advance,
)
from omniloop.campaigns.models import Campaign, CampaignMember, JourneyAction, JourneyState
from omniloop.campaigns.playbooks import campaign_from_playbook
from omniloop.campaigns.schedules import campaigns_schedules_due
from omniloop.campaigns.services import (
    campaign_approve,
    campaign_fanout,
    campaign_launch,
    campaign_submit,
)
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.insights.features import features_rebuild
from omniloop.members.models import Member
from omniloop.messaging.models import Message
from omniloop.messaging.templates import template_get
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import (
    actors,
    approved,
    coupon_template,
    everyone_segment,
    launched,
    make_members,
    order,
)
from tests.promotions.coupon_helpers import till_channel

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()


def _welcome(holdout: str = "0.2") -> Campaign:
    marketer, admin = actors()
    c = campaign_from_playbook(
        actor=marketer,
        key="welcome-series",
        coupon_template=coupon_template(),
        holdout_share=Decimal(holdout),
        use_brand_control=False,
    )
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    return campaign_launch(campaign=c)


def test_the_welcome_series_walks_send_wait_condition_send():
    c = _welcome()
    now = clock.now() + timedelta(minutes=1)
    ids = make_members(60)
    Member.objects.filter(pk__in=ids).update(joined_at=now)
    assert campaigns_schedules_due(at=now)["entered"] == 60
    treated = list(
        CampaignMember.objects.filter(campaign=c, group="treated").values_list(
            "member_id", flat=True
        )
    )
    assert 0 < len(treated) < 60
    assert JourneyState.objects.filter(campaign=c).count() == len(treated)  # holdout walks none
    journeys_advance(at=now)
    first = Message.objects.filter(cause=f"campaign:{c.pk}")
    assert sorted(first.values_list("member_id", flat=True)) == sorted(treated)
    assert Coupon.objects.filter(member_id__in=treated, source="campaign").count() == len(treated)
    # Everyone waits 72 hours now; an hour later nothing moves.
    assert journeys_advance(at=now + timedelta(hours=1)) == 0
    buyers = treated[:5]
    for m in buyers:
        order(m, "25.00", at=now + timedelta(hours=10))
    journeys_advance(at=now + timedelta(hours=73))
    reminders = Message.objects.filter(cause=f"campaign:{c.pk}", context__title="别忘了您的礼券")
    assert sorted(reminders.values_list("member_id", flat=True)) == sorted(treated[5:])
    assert Coupon.objects.filter(member_id__in=treated).count() == len(treated)  # no 2nd coupon
    states = dict(JourneyState.objects.filter(campaign=c).values_list("member_id", "status"))
    assert {states[m] for m in buyers} == {"exited"}
    assert {states[m] for m in treated[5:]} == {"done"}
    counts = {row["step"].position: row["outcomes"] for row in journey_counts(c.pk)}
    assert counts[0] == {"sent": len(treated)}
    assert counts[1] == {"waited": len(treated)}
    assert counts[2] == {"exited": 5, "passed": len(treated) - 5}
    assert counts[3] == {"sent": len(treated) - 5}


def test_a_worker_killed_mid_send_leaves_nothing_and_the_retry_acts_once():
    c = _welcome(holdout="0.001")  # tiny holdout, still a share with a hash
    now = clock.now() + timedelta(minutes=1)
    ids = make_members(3)
    Member.objects.filter(pk__in=ids).update(joined_at=now)
    campaigns_schedules_due(at=now)
    with mock.patch(
        "omniloop.campaigns.services.messages_enqueue_for_members",
        side_effect=RuntimeError("worker killed"),
    ):
        assert journeys_advance(at=now) == 0
    assert not Coupon.objects.filter(source="campaign").exists()
    assert not JourneyAction.objects.exists()
    assert set(JourneyState.objects.values_list("position", flat=True)) == {0}
    c.refresh_from_db()
    assert c.coupons_issued == 0
    journeys_advance(at=now + timedelta(minutes=11))  # retried after the back-off
    journeys_advance(at=now + timedelta(minutes=12))  # and once more: nothing doubles
    treated = CampaignMember.objects.filter(campaign=c, group="treated").count()
    assert Coupon.objects.filter(source="campaign").count() == treated
    assert Message.objects.filter(cause=f"campaign:{c.pk}").count() == treated
    assert JourneyAction.objects.filter(position=0).count() == treated


def test_a_rule_condition_is_evaluated_for_the_one_member():
    (gold, plain) = make_members(2)
    Member.objects.filter(pk=gold).update(tier="gold")
    features_rebuild()
    marketer, admin = actors()
    seg = everyone_segment("all-j")
    c = approved(seg, holdout_share=Decimal("0.001"), holdout_reason="")
    Campaign.objects.filter(pk=c.pk).update(status="draft")
    journey_save(
        actor=marketer,
        campaign=c,
        steps=[
            StepSpec(
                "condition", condition="rule", rule={"field": "tier", "op": "=", "value": "gold"}
            ),
            StepSpec("send", with_coupon=True, title="金卡礼遇", body="专属"),
        ],
    )
    campaign_submit(actor=marketer, campaign=c)
    c = campaign_launch(campaign=campaign_approve(actor=admin, campaign=c))
    assert CampaignMember.objects.filter(campaign=c, state="journey").count() >= 1
    assert campaign_fanout(campaign_id=c.pk) == 0  # journey members are not fanned out
    journeys_advance()
    sent = set(Message.objects.filter(cause=f"campaign:{c.pk}").values_list("member_id", flat=True))
    treated = set(
        CampaignMember.objects.filter(campaign=c, group="treated").values_list(
            "member_id", flat=True
        )
    )
    assert sent == {gold} & treated
    assert plain not in sent


def test_the_message_names_the_members_own_coupon_code():
    ids = make_members(40)
    c = launched(
        everyone_segment("all-code"),
        message_template="campaign_coupon",
        holdout_share=Decimal("0.1"),
    )
    campaign_fanout(campaign_id=c.pk)
    tpl = template_get("campaign_coupon")
    assert tpl is not None
    rows = CampaignMember.objects.filter(campaign=c, state="sent").select_related("coupon")
    treated = CampaignMember.objects.filter(campaign=c, group="treated").count()
    states = list(CampaignMember.objects.filter(campaign=c).values_list("group", "state"))
    assert rows.count() == treated > 20, states  # everyone treated was sent (no budget here)
    codes = set()
    for row in rows:
        msg = Message.objects.get(cause=f"campaign:{c.pk}", member_id=row.member_id)
        assert msg.context["coupon_code"] == row.coupon.code
        text = tpl.render(language="zh-hans", context=msg.context).text
        assert row.coupon.code in text
        codes.add(row.coupon.code)
    assert len(codes) == rows.count()  # each member their own
    assert set(ids) >= set(rows.values_list("member_id", flat=True))


def test_a_coupon_naming_message_needs_a_coupon():
    marketer, _ = actors()
    from omniloop.campaigns.services import campaign_draft

    with pytest.raises(ValidationFailed) as err:
        campaign_draft(
            actor=marketer,
            name="x",
            segment=everyone_segment("all-x"),
            message_template="campaign_coupon",
        )
    assert err.value.code == "campaign_coupon_required"


def test_journey_save_checks_its_steps_and_only_changes_drafts():
    marketer, _ = actors()
    c = approved(everyone_segment("all-s"))
    with pytest.raises(Conflict):
        journey_save(actor=marketer, campaign=c, steps=[StepSpec("send")])
    Campaign.objects.filter(pk=c.pk).update(status="draft")
    bad = [
        ([StepSpec("jump")], "journey_step_kind"),
        ([StepSpec("wait", wait_hours=0), StepSpec("send")], "journey_wait_invalid"),
        ([StepSpec("condition", condition="mood"), StepSpec("send")], "journey_condition"),
        ([StepSpec("condition", condition="rule", rule={"field": "nope"}), StepSpec("send")], None),
        ([StepSpec("wait", wait_hours=3)], "journey_without_send"),
    ]
    for steps, code in bad:
        with pytest.raises(ValidationFailed) as err:
            journey_save(actor=marketer, campaign=c, steps=steps)
        if code:
            assert err.value.code == code
    assert not c.steps.exists()
    rows = journey_save(
        actor=marketer, campaign=c, steps=[StepSpec("wait", wait_hours=2), StepSpec("send")]
    )
    assert [r.kind for r in rows] == ["wait", "send"]


def test_a_clone_keeps_the_journey():
    from omniloop.campaigns.services import campaign_clone

    marketer, _ = actors()
    c = campaign_from_playbook(
        actor=marketer, key="welcome-series", coupon_template=coupon_template()
    )
    clone = campaign_clone(actor=marketer, campaign=c)
    fields = ("position", "kind", "wait_hours", "condition", "negate", "with_coupon", "title")
    mine = list(c.steps.order_by("position").values_list(*fields))
    assert list(clone.steps.order_by("position").values_list(*fields)) == mine
    assert (clone.schedule, clone.trigger) == ("triggered", "joined") and len(mine) == 4
