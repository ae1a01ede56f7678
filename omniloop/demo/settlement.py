"""Settle the demo's paid orders with the default splits, in bulk (the backfill), after giving
the brand commission rates in force since before its first sale: 2% overall, 3% on coats.
The rates are history, so they are written directly: `commission_rule_set` only takes a
rate from now on."""

from __future__ import annotations

from omniloop.catalog.models import Category
from omniloop.core import clock
from omniloop.demo.context import Demo
from omniloop.settlement.models import CommissionRule
from omniloop.settlement.services import settlement_backfill


def build_settlement(demo: Demo) -> None:
    since = demo.at(demo.day(demo.sales_days + 1), 0)
    coats = Category.objects.filter(code="coats").first()
    CommissionRule.objects.bulk_create(
        [
            CommissionRule(
                flow="",
                category=category,
                rate_bp=rate,
                effective_from=since,
                created_at=clock.now(),
            )
            for category, rate in ((None, 200), (coats, 300))
            if rate == 200 or category is not None
        ]
    )
    settlement_backfill(batch_size=2000)
