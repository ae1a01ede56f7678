"""Marketplace imports racing on PostgreSQL: the same platform order sent by 10 sync workers
at once is recorded once (the rest replay), and paid/earned/settled once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core import clock
from omniloop.loyalty.selectors import ledger_audit, points_balance
from omniloop.marketplace.models import MarketplaceOrder
from omniloop.marketplace.services import marketplace_order_import
from omniloop.orders.models import Order, OrderStatusChange
from omniloop.settlement.models import OrderSettlement
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member
from tests.marketplace.helpers import mp_order, tmall
from tests.promotions.pricing_helpers import make_shop

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
N = 10


def test_ten_workers_importing_one_order_record_it_once():
    make_shop()
    tmall()
    member = make_member(phone="13800138999")
    data = mp_order(phone="13800138999", ordered_at=clock.now() - timedelta(hours=1))
    results = run_at_once(N, lambda i: marketplace_order_import(data=data))
    assert outcomes(results, ok=lambda r: "replayed" if r.replayed else "created") == {
        "created": 1,
        "replayed": N - 1,
    }
    assert len({r.order_number for r in results}) == 1
    assert Order.objects.count() == 1 and MarketplaceOrder.objects.count() == 1
    order = Order.objects.get()
    assert OrderStatusChange.objects.filter(order=order, to_status="paid").count() == 1
    assert points_balance(member_id=member.pk) == 399
    assert OrderSettlement.objects.filter(order=order).count() == 1
    assert ledger_audit() == []
