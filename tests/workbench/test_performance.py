"""Performance and commission on the workbench: the settlement's O2O figures for this month
and the last, checked against sums taken straight from the settlement ledger."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Q, Sum

from omniloop.accounts.access import actor_for_user
from omniloop.settlement.models import CommissionEntry, SettlementEntry
from omniloop.settlement.periods import next_period, period_bounds
from omniloop.settlement.services import settlement_backfill
from omniloop.workbench.performance import workbench_performance
from tests.settlement.world import fixture_month, make_brand

pytestmark = pytest.mark.django_db
ONLINE = ("online", "pickup", "scan_to_buy", "endless_aisle", "ship_from_store")


def test_this_and_last_months_figures_are_the_ledgers():
    brand = make_brand()
    fixture_month(brand)
    settlement_backfill()
    start, _ = period_bounds(next_period(brand.period))
    at = start + timedelta(days=3)  # the fixture month is now "last month"

    [(this, last)] = workbench_performance(actor=actor_for_user(brand.a1), at=at)
    assert last.period == brand.period and this.period == next_period(brand.period)
    online = SettlementEntry.objects.filter(
        period=brand.period, assistant_id=brand.a1.pk, flow__in=ONLINE, store_id=brand.a1.store_id
    ).aggregate(net=Sum("amount"), n=Count("order_id", distinct=True, filter=Q(kind="sale")))
    commission = CommissionEntry.objects.filter(
        period=brand.period, assistant_id=brand.a1.pk, store_id=brand.a1.store_id
    ).aggregate(t=Sum("amount"))["t"]
    assert last.online_sales == online["net"] and last.online_orders == online["n"]
    assert last.online_sales > 0
    assert last.commission == commission and commission > 0
    assert (this.online_sales, this.commission, this.online_orders) == (
        Decimal("0"),
        Decimal("0"),
        0,
    )


def test_a_manager_sees_every_assistant_of_the_store():
    brand = make_brand()
    rows = workbench_performance(actor=actor_for_user(make_manager(brand)))
    assert sorted(r[0].assistant_name for r in rows) == sorted([str(brand.a1), str(brand.a2)])


def make_manager(brand):
    from omniloop.accounts.models import Role
    from tests.factories import make_user

    return make_user(Role.STORE_MANAGER, brand.a)
