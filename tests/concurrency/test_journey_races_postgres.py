"""Journeys under parallel workers on PostgreSQL (ADR 35): several `journeys_advance` workers
released at once on the same due states (SKIP LOCKED claims) give every entrant exactly one
coupon and one message per send step, and racing triggers enter a member once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count

from omniloop.campaigns.journeys import journeys_advance
from omniloop.campaigns.models import CampaignMember, JourneyAction
from omniloop.campaigns.playbooks import campaign_from_playbook
from omniloop.campaigns.schedules import campaign_enter
from omniloop.campaigns.services import campaign_approve, campaign_launch, campaign_submit
from omniloop.core import clock
from omniloop.members.models import Member
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import actors, coupon_template, make_members
from tests.concurrency.helpers import outcomes, run_at_once
from tests.promotions.coupon_helpers import till_channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()


def _welcome(max_coupons: int | None = None):
    marketer, admin = actors()
    c = campaign_from_playbook(
        actor=marketer,
        key="welcome-series",
        coupon_template=coupon_template(),
        holdout_share=Decimal("0.1"),
        use_brand_control=False,
        max_coupons=max_coupons,
    )
    campaign_submit(actor=marketer, campaign=c)
    campaign_approve(actor=admin, campaign=c)
    return campaign_launch(campaign=c)


def test_parallel_journey_workers_act_once_per_entrant_and_keep_the_budget():
    c = _welcome(max_coupons=150)
    now = clock.now() + timedelta(minutes=1)
    ids = make_members(240)
    Member.objects.filter(pk__in=ids).update(joined_at=now)
    assert campaign_enter(campaign=c, pairs=[(m, "joined") for m in ids], at=now) == 240
    treated = CampaignMember.objects.filter(campaign=c, group="treated").count()
    assert treated > 150  # the budget stops the coupons, not the audience

    results = run_at_once(5, lambda _: journeys_advance(at=now, size=17))
    assert outcomes(results) == {"ok": 5}
    per_member = Message.objects.filter(cause=f"campaign:{c.pk}").values("member_id")
    assert per_member.annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    assert JourneyAction.objects.filter(campaign=c, position=0).count() == treated
    coupons = Coupon.objects.filter(source="campaign")
    assert coupons.count() == 150
    assert coupons.values("member_id").annotate(n=Count("pk")).filter(n__gt=1).count() == 0
    c.refresh_from_db()
    assert c.coupons_issued == 150


def test_racing_triggers_enter_a_member_once():
    c = _welcome()
    ids = make_members(50)
    pairs = [(m, "joined") for m in ids]
    results = run_at_once(4, lambda _: campaign_enter(campaign=c, pairs=pairs))
    assert outcomes(results) == {"ok": 4}
    assert sum(results) == 50  # each member entered by exactly one of the racing workers
    assert CampaignMember.objects.filter(campaign=c).count() == 50
