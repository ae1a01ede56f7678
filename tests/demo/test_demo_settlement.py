from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum

from omniloop.orders.models import Order
from omniloop.settlement.models import OrderSettlement, SettlementEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_demo_settles_every_paid_order_and_a_reset_clears_it():
    call_command("demo_load", stdout=StringIO(), members=300, months=1)
    paid = Order.objects.filter(status=Order.Status.COMPLETED)
    assert OrderSettlement.objects.count() == paid.count() > 0
    assert not OrderSettlement.objects.filter(order__status=Order.Status.CANCELLED).exists()
    ledger = SettlementEntry.objects.aggregate(t=Sum("amount"))["t"]
    assert ledger == paid.aggregate(t=Sum("total"))["t"]
    # Online orders of bound members pay their store (seed 003); nobody else's go to HQ.
    online = paid.filter(flow__in=[Order.Flow.ONLINE, Order.Flow.MARKETPLACE])
    bound = online.exclude(credited_store=None)
    assert bound.exists()
    assert SettlementEntry.objects.filter(order__in=bound, store=None).count() == 0
    unbound = online.filter(credited_store=None).aggregate(t=Sum("total"))["t"] or Decimal(0)
    assert SettlementEntry.objects.filter(store=None).aggregate(t=Sum("amount"))["t"] == (
        unbound or None
    )

    call_command("demo_load", stdout=StringIO(), members=300, months=1, reset=True)
    assert OrderSettlement.objects.count() == Order.objects.filter(status="completed").count()
