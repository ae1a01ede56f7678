"""Returns under real concurrency on PostgreSQL: an order is refunded at most once in full,
however many tills return it at the same moment, and one unit never comes back twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.loyalty.selectors import ledger_audit, points_balance
from omniloop.orders.models import Order, OrderReturn
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_ten_tills_returning_one_order_refund_it_once():
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 2)], total="798.00", member=member)

    results = run_at_once(
        10,
        lambda i: order_return(
            order_number=order.number,
            ret=ReturnInput(reference=f"RT-{i}", lines=(ReturnLineInput("JK100-M", 1),)),
        ),
    )

    assert outcomes(results) == {"ok": 2, "order_fully_refunded": 8}
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.refunded_total == Decimal("798.00")
    assert OrderReturn.objects.count() == 2
    assert points_balance(member_id=member.pk) == 0
    assert ledger_audit() == []
