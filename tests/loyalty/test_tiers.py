"""Tiers from an explicit metric over a rolling window: up at once, down only at the review."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.loyalty.models import PointsPolicy, TierChange
from omniloop.loyalty.services import points_earn
from omniloop.loyalty.tiers import tier_evaluate, tier_thresholds_validate, tiers_review
from omniloop.members.models import Member
from omniloop.orders.returns import ReturnInput, order_return
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell

pytestmark = pytest.mark.django_db
LADDER = {"silver": 300, "gold": 1000, "platinum": 5000}


@pytest.fixture
def ladder():
    PointsPolicy.objects.update_or_create(pk=1, defaults={"tier_thresholds": LADDER})


def _tier(member: Member) -> str:
    return Member.objects.values_list("tier", flat=True).get(pk=member.pk)


def test_a_sale_upgrades_at_once_and_a_return_downgrades_only_at_the_review(ladder):
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 1)], total="399.00", member=member)
    assert _tier(member) == "silver"  # 399 points earned >= 300
    change = TierChange.objects.get(member=member)
    assert (change.from_tier, change.to_tier, change.reason) == ("standard", "silver", "upgrade")
    order_return(order_number=order.number, ret=ReturnInput(reference="RT-1"))
    assert _tier(member) == "silver"  # no downgrade mid-day
    assert tiers_review() == 1
    assert _tier(member) == "standard"
    assert TierChange.objects.filter(member=member, reason="downgrade").count() == 1


def test_points_outside_the_window_do_not_count(ladder):
    member = make_member()
    now = clock.now()
    points_earn(member=member, points=2_000, reference="old", at=now - timedelta(days=400))
    points_earn(member=member, points=400, reference="new", at=now - timedelta(days=10))
    assert tier_evaluate(member=member, at=now) == "silver"
    member.refresh_from_db()
    assert member.tier == "silver"


def test_the_spend_metric_counts_orders_less_refunds(ladder):
    PointsPolicy.objects.filter(pk=1).update(tier_metric="spend")
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 3)], total="1197.00", member=member)
    assert _tier(member) == "gold"
    order_return(order_number=order.number, ret=ReturnInput(reference="RT-1", amount=order.total))
    member.refresh_from_db()
    assert tier_evaluate(member=member, downgrade=True) == "standard"


def test_without_thresholds_tiers_are_left_alone():
    member = make_member()
    Member.objects.filter(pk=member.pk).update(tier="gold")
    member.refresh_from_db()
    assert tier_evaluate(member=member, downgrade=True) == "gold"
    assert tiers_review() == 0


@pytest.mark.parametrize(
    ("metric", "thresholds", "code"),
    [
        ("visits", {}, "tier_metric_invalid"),
        ("spend", {"diamond": 1}, "tier_thresholds_invalid"),
        ("spend", {"silver": 500, "gold": 100}, "tier_thresholds_invalid"),
        ("spend", {"silver": -1}, "tier_thresholds_invalid"),
    ],
)
def test_bad_ladders_are_refused(metric, thresholds, code):
    with pytest.raises(ApplicationError) as err:
        tier_thresholds_validate(metric, thresholds)
    assert err.value.code == code
    assert tier_thresholds_validate("spend", LADDER) == LADDER
