from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.orders.models import Order
from omniloop.settlement.models import (
    CommissionEntry,
    OrderSettlement,
    SettlementEntry,
    SettlementRefund,
    SettlementRule,
)
from omniloop.settlement.periods import next_period, settlement_period_close
from omniloop.settlement.rules import settlement_rule_set
from omniloop.settlement.services import settlement_backfill, settlement_record, settlement_refund
from omniloop.settlement.values import Shares
from tests.settlement.world import Brand, fixture_month

pytestmark = pytest.mark.django_db
F = Order.Flow


def _code(exc: pytest.ExceptionInfo[ApplicationError]) -> str:
    return exc.value.code


def _pickup(brand: Brand, total: str = "999.01") -> Order:
    return brand.order(
        F.PICKUP,
        store=brand.b,
        credited=(brand.a, brand.a1),
        fulfilment=Order.Fulfilment.PICKUP,
        lines=((brand.coat, total),),
    )


def _by_party(order: Order) -> dict[tuple[int | None, int | None], Decimal]:
    rows = (
        SettlementEntry.objects.filter(order=order)
        .values("store_id", "assistant_id")
        .annotate(t=Sum("amount"))
    )
    return {(r["store_id"], r["assistant_id"]): r["t"] for r in rows}


def _refund(order: Order, amount: str, ref: str):
    Order.objects.filter(pk=order.pk).update(
        refunded_total=Order.objects.get(pk=order.pk).refunded_total + Decimal(amount)
    )
    return settlement_refund(order_id=order.pk, amount=Decimal(amount), refund_ref=ref)


def test_recording_twice_writes_once(brand: Brand):
    order = _pickup(brand)
    first = settlement_record(order_id=order.pk)
    again = settlement_record(order_id=order.pk)
    assert (first.recorded, first.entries) == (True, 2)
    assert (again.recorded, again.entries) == (False, 0)
    assert SettlementEntry.objects.count() == 2
    assert CommissionEntry.objects.count() == 1  # a1 only: the pickup store's share has none
    assert _by_party(order) == {
        (brand.a.pk, brand.a1.pk): Decimal("699.31"),  # 70% of 999.01 = 699.307, + the cent
        (brand.b.pk, None): Decimal("299.70"),
    }


def test_an_unpaid_order_is_not_settled(brand: Brand):
    order = brand.order(F.ONLINE, credited=(brand.a, brand.a1), status=Order.Status.PENDING)
    with pytest.raises(ApplicationError) as exc:
        settlement_record(order_id=order.pk)
    assert _code(exc) == "settlement_order_unpaid"
    assert not OrderSettlement.objects.exists()
    with pytest.raises(ApplicationError) as exc:
        settlement_record(order_id=order.pk + 999)
    assert _code(exc) == "order_not_found"


def test_refund_twice_with_one_ref_takes_back_once(brand: Brand):
    order = _pickup(brand)
    settlement_record(order_id=order.pk)
    first = _refund(order, "100.00", "rf-1")
    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal("100.00"))
    again = settlement_refund(order_id=order.pk, amount=Decimal("100.00"), refund_ref="rf-1")
    assert (first.replayed, first.reversed) == (False, Decimal("100.00"))
    assert (again.replayed, again.reversed) == (True, Decimal("100.00"))
    assert SettlementRefund.objects.count() == 1
    # 100 taken back in proportion to what each holds: 699.31 / 999.01 of it from A.
    assert _by_party(order) == {
        (brand.a.pk, brand.a1.pk): Decimal("699.31") - Decimal("70.00"),
        (brand.b.pk, None): Decimal("299.70") - Decimal("30.00"),
    }
    with pytest.raises(ApplicationError) as exc:
        settlement_refund(order_id=order.pk, amount=Decimal("5.00"), refund_ref="rf-1")
    assert _code(exc) == "settlement_refund_conflict"


def test_partial_refunds_then_the_rest_leave_every_party_and_commission_at_zero(brand: Brand):
    order = _pickup(brand, "333.33")
    settlement_record(order_id=order.pk)
    for i, amount in enumerate(("0.01", "33.33", "100.00", "199.99")):
        _refund(order, amount, f"rf-{i}")
    assert set(_by_party(order).values()) == {Decimal("0.00")}
    assert CommissionEntry.objects.aggregate(t=Sum("amount"))["t"] == Decimal("0.00")
    assert not SettlementEntry.objects.filter(kind="refund", amount__gt=0).exists()
    assert not CommissionEntry.objects.filter(base__lt=0, amount__gt=0).exists()


def test_refunds_are_refused_when_bad_or_beyond_the_settled_amount(brand: Brand):
    order = _pickup(brand, "50.00")
    settlement_record(order_id=order.pk)
    for amount, ref, code in (
        ("0", "r", "refund_amount_invalid"),
        ("1.001", "r", "refund_amount_invalid"),
        ("1.00", " ", "refund_ref_invalid"),
        ("50.01", "r", "settlement_refund_exceeds"),
    ):
        with pytest.raises(ApplicationError) as exc:
            settlement_refund(order_id=order.pk, amount=Decimal(amount), refund_ref=ref)
        assert _code(exc) == code
    assert not SettlementRefund.objects.exists()


def test_the_ledger_never_takes_back_more_than_the_order_says_was_refunded(brand: Brand):
    order = _pickup(brand, "80.00")
    settlement_record(order_id=order.pk)
    # The refund flow called before it updated the order: nothing is taken back yet...
    early = settlement_refund(order_id=order.pk, amount=Decimal("20.00"), refund_ref="rf-early")
    assert early.reversed == Decimal("0.00")
    # ...and the backfill catches up once the order shows it.
    Order.objects.filter(pk=order.pk).update(refunded_total=Decimal("20.00"))
    result = settlement_backfill()
    assert (result.recorded, result.caught_up) == (0, 1)
    assert sum(_by_party(order).values()) == Decimal("60.00")
    assert settlement_backfill().caught_up == 0


def test_an_order_refunded_before_it_was_settled_settles_net(brand: Brand):
    order = _pickup(brand, "80.00")
    Order.objects.filter(pk=order.pk).update(
        refunded_total=Decimal("80.00"), status=Order.Status.REFUNDED
    )
    settlement_record(order_id=order.pk)
    assert set(_by_party(order).values()) == {Decimal("0.00")}
    assert SettlementRefund.objects.get().refund_ref == "catch-up:80.00"


def test_backfill_records_every_paid_order_once_and_only_paid_ones(brand: Brand):
    orders = fixture_month(brand)
    settlement_record(order_id=orders[0].pk)  # the hook ran for one of them
    result = settlement_backfill()
    paid = [o for o in orders if o.status == Order.Status.COMPLETED]
    assert result.recorded == len(paid) - 1
    assert OrderSettlement.objects.count() == len(paid)
    assert settlement_backfill().recorded == 0
    total = SettlementEntry.objects.aggregate(t=Sum("amount"))["t"]
    assert total == sum((o.total for o in paid), Decimal(0))


def test_backfill_of_one_period_leaves_the_others(brand: Brand):
    brand.order(F.ONLINE, credited=(brand.a, brand.a1))
    later = brand.order(F.ONLINE, credited=(brand.a, brand.a1), day=10)
    Order.objects.filter(pk=later.pk).update(paid_at=later.paid_at + timedelta(days=40))
    assert settlement_backfill(period=brand.period).recorded == 1
    assert settlement_backfill(period=next_period(brand.period)).recorded == 1


def test_a_rule_edit_does_not_change_a_closed_period(brand: Brand):
    orders = fixture_month(brand)
    settlement_backfill()
    closed = dict(_store_totals(brand.period))
    settlement_period_close(actor=brand.hq_actor, period=brand.period)
    settlement_rule_set(actor=brand.hq_actor, flow=F.PICKUP, shares=Shares(fulfilling=10_000))

    # A pickup paid in the closed month turns up late, and one of the month's orders is refunded.
    late = _pickup(brand, "10.00")
    settlement_backfill()
    pickup = next(o for o in orders if o.flow == F.PICKUP)
    _refund(pickup, "50.00", "rf-late")

    assert dict(_store_totals(brand.period)) == closed
    after = next_period(brand.period)
    assert set(SettlementEntry.objects.filter(order=late).values_list("period", flat=True)) == {
        after
    }
    # The late order was paid under the old rule, so it is split as the old rule said.
    assert _by_party(late) == {
        (brand.a.pk, brand.a1.pk): Decimal("7.00"),
        (brand.b.pk, None): Decimal("3.00"),
    }
    with pytest.raises(ApplicationError) as exc:
        settlement_period_close(actor=brand.hq_actor, period=brand.period)
    assert _code(exc) == "settlement_period_closed"


def test_an_order_paid_after_a_rule_edit_follows_the_new_rule(brand: Brand):
    with freeze_time(brand.at(5)):
        settlement_rule_set(
            actor=brand.hq_actor, flow=F.PICKUP, shares=Shares(credited=5_000, fulfilling=5_000)
        )
    before = brand.order(F.PICKUP, day=4, store=brand.b, credited=(brand.a, brand.a1))
    after = brand.order(F.PICKUP, day=6, store=brand.b, credited=(brand.a, brand.a1))
    settlement_backfill()
    assert _by_party(before)[(brand.a.pk, brand.a1.pk)] == Decimal("139.30")  # 70% of 199
    assert _by_party(after)[(brand.a.pk, brand.a1.pk)] == Decimal("99.50")
    assert OrderSettlement.objects.get(order=after).rule_id == SettlementRule.objects.get().pk


def _store_totals(period):
    return (
        SettlementEntry.objects.filter(period=period)
        .values_list("store_id")
        .annotate(t=Sum("amount"))
        .order_by("store_id")
    )


@pytest.mark.parametrize(
    ("shares", "code"),
    [
        (Shares(credited=7_000, fulfilling=2_000), "settlement_shares_sum"),
        (Shares(credited=7_000, fulfilling=3_001), "settlement_shares_sum"),
        (Shares(credited=-1, fulfilling=10_001), "settlement_share_invalid"),
        (Shares(credited=10_001), "settlement_share_invalid"),
        (Shares(credited=5_000.0, fulfilling=5_000), "settlement_share_invalid"),  # type: ignore[arg-type]
    ],
)
def test_split_validation(brand: Brand, shares: Shares, code: str):
    with pytest.raises(ApplicationError) as exc:
        settlement_rule_set(actor=brand.hq_actor, flow=F.PICKUP, shares=shares)
    assert _code(exc) == code
    assert not SettlementRule.objects.exists()


def test_rule_edits_are_for_hq_admins_and_never_backdated(brand: Brand):
    from omniloop.accounts.access import actor_for_user

    ok = Shares(credited=10_000)
    with pytest.raises(ApplicationError) as exc:
        settlement_rule_set(actor=actor_for_user(brand.a1), flow=F.ONLINE, shares=ok)
    assert _code(exc) == "role_forbidden"
    with pytest.raises(ApplicationError) as exc:
        settlement_rule_set(actor=brand.hq_actor, flow="teleport", shares=ok)
    assert _code(exc) == "settlement_flow_unknown"
    with pytest.raises(ApplicationError) as exc:
        settlement_rule_set(
            actor=brand.hq_actor,
            flow=F.ONLINE,
            shares=ok,
            effective_from=clock.now() - timedelta(days=1),
        )
    assert _code(exc) == "settlement_rule_effective_past"
    assert not SettlementRule.objects.exists()


def test_a_disabled_flow_settles_nothing_but_counts_as_settled(brand: Brand):
    order = brand.order(F.IMPORTED, store=brand.a, credited=(brand.a, None))
    result = settlement_record(order_id=order.pk)
    assert (result.recorded, result.entries) == (True, 0)
    assert settlement_backfill().recorded == 0
