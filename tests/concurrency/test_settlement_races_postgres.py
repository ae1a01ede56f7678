"""Settlement under real concurrency on PostgreSQL: one order recorded by 20 connections at once
is settled once; one refund reference submitted 20 times takes back once; and the database
itself refuses to change or delete ledger rows."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import Sum

from omniloop.orders.models import Order
from omniloop.settlement.models import (
    CommissionEntry,
    OrderSettlement,
    SettlementEntry,
    SettlementRefund,
)
from omniloop.settlement.services import settlement_backfill, settlement_record, settlement_refund
from omniloop.settlement.values import RecordResult, RefundResult
from tests.concurrency.helpers import outcomes, run_at_once
from tests.settlement.world import Brand, make_brand

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def brand(transactional_db) -> Brand:
    return make_brand()


def _pickup(brand: Brand) -> Order:
    return brand.order(
        Order.Flow.PICKUP,
        store=brand.b,
        credited=(brand.a, brand.a1),
        fulfilment=Order.Fulfilment.PICKUP,
        lines=((brand.coat, "999.01"),),
    )


def _recorded(result: RecordResult) -> str:
    return "recorded" if result.recorded else "replayed"


def test_twenty_parallel_records_of_one_order_write_one_set_of_entries(brand: Brand):
    order = _pickup(brand)

    results = run_at_once(20, lambda _: settlement_record(order_id=order.pk))

    assert outcomes(results, _recorded) == {"recorded": 1, "replayed": 19}
    assert OrderSettlement.objects.count() == 1
    assert SettlementEntry.objects.count() == 2
    assert CommissionEntry.objects.count() == 1
    assert SettlementEntry.objects.aggregate(t=Sum("amount"))["t"] == order.total


def test_records_racing_the_backfill_settle_each_order_once(brand: Brand):
    orders = [_pickup(brand) for _ in range(10)]

    def work(i: int):
        if i < 2:
            return settlement_backfill(batch_size=3).recorded
        return settlement_record(order_id=orders[i % 10].pk)

    results = run_at_once(12, work)

    assert outcomes(results, lambda r: "ok") == {"ok": 12}
    assert OrderSettlement.objects.count() == 10
    assert SettlementEntry.objects.aggregate(t=Sum("amount"))["t"] == sum(
        (o.total for o in orders), Decimal(0)
    )


def _refunded(result: RefundResult) -> str:
    return "replayed" if result.replayed else "ok"


def test_twenty_parallel_refunds_with_one_reference_take_back_once(brand: Brand):
    order = _pickup(brand)
    settlement_record(order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal("100.00"))

    results = run_at_once(
        20,
        lambda _: settlement_refund(order_id=order.pk, amount=Decimal("100.00"), refund_ref="r1"),
    )

    assert outcomes(results, _refunded) == {"ok": 1, "replayed": 19}
    assert SettlementRefund.objects.count() == 1
    assert SettlementEntry.objects.aggregate(t=Sum("amount"))["t"] == order.total - 100


def test_twenty_parallel_refunds_never_take_back_more_than_was_refunded(brand: Brand):
    order = _pickup(brand)
    settlement_record(order_id=order.pk)
    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal("150.00"))

    results = run_at_once(
        20,
        lambda i: settlement_refund(order_id=order.pk, amount=Decimal("50.00"), refund_ref=f"r{i}"),
    )

    assert outcomes(results, _refunded) == {"ok": 20}
    assert SettlementRefund.objects.aggregate(t=Sum("reversed"))["t"] == Decimal("150.00")
    assert SettlementEntry.objects.aggregate(t=Sum("amount"))["t"] == order.total - 150


@pytest.mark.parametrize("statement", ["UPDATE {t} SET amount = 0", "DELETE FROM {t}"])
def test_the_database_refuses_to_change_ledger_rows(brand: Brand, statement: str):
    settlement_record(order_id=_pickup(brand).pk)
    for table in ("settlement_settlemententry", "settlement_commissionentry"):
        with (
            pytest.raises((InternalError, IntegrityError)),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement.format(t=table))
    assert SettlementEntry.objects.count() == 2
