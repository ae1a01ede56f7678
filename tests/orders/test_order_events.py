"""Orders tell settlement and member features what happened (orders.events): a till sale and a
paid online order are settled and counted at once, an online order earns points on payment, and
a return takes the refund back from the settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum

from omniloop.insights.models import MemberFeatures
from omniloop.loyalty.selectors import points_balance
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.settlement.models import OrderSettlement, SettlementEntry
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell
from tests.orders.online_helpers import checkout, place

pytestmark = pytest.mark.django_db


def _settled(order) -> Decimal:
    return SettlementEntry.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def test_a_till_sale_is_settled_and_counted_as_it_is_recorded():
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 2)], total="798.00", member=member)
    assert OrderSettlement.objects.filter(order=order).count() == 1
    assert _settled(order) == Decimal("798.00")
    features = MemberFeatures.objects.get(member=member)
    assert (features.orders_total, features.spend_total) == (1, Decimal("798.00"))

    order_return(
        order_number=order.number,
        ret=ReturnInput(reference="RT-1", lines=(ReturnLineInput("JK100-M", 1),)),
    )
    assert _settled(order) == Decimal("399.00")


def test_a_paid_online_order_earns_points_and_is_settled():
    make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = place(member, checkout([("JK100-M", 1)]))
    assert not OrderSettlement.objects.filter(order=order).exists()
    before = points_balance(member_id=member.pk)
    from django.db import transaction

    with transaction.atomic():
        locked = lock_order_with_payments(order.pk)
        paid = order_mark_paid(order=locked, at=order.ordered_at)
    assert paid.points_earned == int(order.total - order.shipping_fee) > 0
    assert points_balance(member_id=member.pk) == before + paid.points_earned
    assert _settled(order) == order.total
