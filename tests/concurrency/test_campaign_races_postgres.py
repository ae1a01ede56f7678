"""Campaign budgets under parallel fan-out workers on PostgreSQL: several workers released at
once on the same campaign never issue more coupons or commit more discount money than the
budget, and no member gets two coupons or two messages."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Count

from omniloop.campaigns.models import Campaign, CampaignMember
from omniloop.campaigns.services import campaign_fanout, campaign_launch
from omniloop.messaging.models import Message
from omniloop.promotions.models import Coupon
from tests.campaigns.helpers import approved, everyone_segment, make_members
from tests.concurrency.helpers import outcomes, run_at_once
from tests.promotions.coupon_helpers import till_channel

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()


@pytest.mark.parametrize(
    ("budget", "cap"),
    [({"max_coupons": 97}, 97), ({"max_discount_fen": 5000 * 61 + 1234}, 61)],
)
def test_parallel_fanout_workers_stay_within_the_budget(budget, cap):
    make_members(400)
    c = campaign_launch(
        campaign=approved(everyone_segment(), holdout_share=Decimal("0.1"), **budget)
    )
    treated = CampaignMember.objects.filter(campaign=c, group="treated").count()
    assert treated > cap  # the budget, not the audience, is what stops the fan-out

    results = run_at_once(6, lambda _: campaign_fanout(campaign_id=c.pk, size=13))

    assert outcomes(results, ok=lambda r: "ok") == {"ok": 6}
    assert sum(results) == cap
    c.refresh_from_db()
    assert c.coupons_issued == cap == Coupon.objects.filter(template=c.coupon_template).count()
    assert c.discount_committed_fen == cap * 5000
    if c.max_discount_fen is not None:
        assert c.discount_committed_fen <= c.max_discount_fen
    assert Message.objects.filter(cause=f"campaign:{c.pk}").count() == cap
    twice = Coupon.objects.values("member_id").annotate(n=Count("pk")).filter(n__gt=1)
    assert not twice.exists()
    states = dict(
        CampaignMember.objects.filter(campaign=c, group="treated")
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    assert states == {"sent": cap, "over_budget": treated - cap}
    # Nobody held out got anything.
    held = CampaignMember.objects.filter(campaign=c).exclude(group="treated").values("member_id")
    assert not Coupon.objects.filter(member_id__in=held).exists()


def test_parallel_launches_launch_once():
    make_members(50)
    c = approved(everyone_segment())
    results = run_at_once(4, lambda _: campaign_launch(campaign=c).pk)
    assert outcomes(results, ok=lambda r: "ok") == {"ok": 1, "campaign_not_approved": 3}
    assert CampaignMember.objects.filter(campaign=c).count() == 50
    assert Campaign.objects.get(pk=c.pk).status == "running"
