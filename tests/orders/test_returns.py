"""Returns: money, points and coupons given back as the policy says (orders.returns), and
every refusal writing nothing."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest

from omniloop.core.errors import ApplicationError
from omniloop.loyalty.models import LedgerTransaction
from omniloop.loyalty.selectors import points_balance, points_debt
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.orders.models import Order, OrderLine, OrderReturn, OrderStatusChange
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.promotions.models import Coupon, Redemption
from tests.api.helpers import post_json
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell
from tests.promotions.pricing_helpers import issued_coupon

pytestmark = pytest.mark.django_db
URL = "/api/v1/pos/returns"


@pytest.fixture
def shop():
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    make_product("TS200", price="99.50")
    return store


def _snapshot(order: Order) -> tuple:
    order.refresh_from_db()
    return (
        order.status,
        order.refunded_total,
        list(OrderLine.objects.filter(order=order).values_list("returned_quantity", flat=True)),
        OrderReturn.objects.count(),
        LedgerTransaction.objects.count(),
        list(Coupon.objects.values_list("state", flat=True)),
    )


def _coupon_sale(store, member):
    coupon = issued_coupon(member)  # ¥50 off from ¥300
    order = sell(
        store,
        [("JK100-M", 1), ("TS200-M", 1)],
        total="448.50",
        member=member,
        coupons=(coupon.code,),
    )
    return order, coupon


def test_a_full_return_refunds_everything_and_restores_the_coupon(shop):
    member = make_member()
    order, coupon = _coupon_sale(shop, member)
    assert order.points_earned > 0
    result = order_return(order_number=order.number, ret=ReturnInput(reference="RT-1"), store=shop)
    r = result.order_return
    assert r.amount == order.total == Decimal("448.50")
    assert r.money_amount == order.total
    assert r.points_reversed == order.points_earned
    assert r.coupons_restored == 1
    assert result.order.status == Order.Status.REFUNDED
    assert points_balance(member_id=member.pk) == 0
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.ISSUED
    assert Redemption.objects.get().reversed_at is not None
    change = OrderStatusChange.objects.get(order=order, to_status="refunded")
    assert change.from_status == "completed"


def test_partial_returns_refund_net_lines_and_reverse_points_in_proportion(shop):
    member = make_member()
    order, coupon = _coupon_sale(shop, member)
    tee = order.lines.get(sku__sku_code="TS200-M")
    first = order_return(
        order_number=order.number,
        ret=ReturnInput(reference="RT-1", lines=(ReturnLineInput("TS200-M", 1),)),
    ).order_return
    # The tee's own net amount (its share of the coupon already taken off), independently:
    assert first.amount == tee.amount < Decimal("99.50")
    expected_reverse = int(
        (Decimal(order.points_earned) * tee.amount / order.total).to_integral_value(ROUND_DOWN)
    )
    assert first.points_reversed == expected_reverse
    assert first.coupons_restored == 0
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.REDEEMED  # a partial return keeps the coupon used
    order.refresh_from_db()
    assert order.status == Order.Status.COMPLETED and order.refunded_total == tee.amount

    second = order_return(order_number=order.number, ret=ReturnInput(reference="RT-2"))
    second_row = second.order_return
    assert first.amount + second_row.amount == order.total
    assert first.points_reversed + second_row.points_reversed == order.points_earned
    assert second_row.coupons_restored == 1
    assert second.order.status == Order.Status.REFUNDED
    assert points_balance(member_id=member.pk) == 0


def test_points_already_spent_become_a_debt_paid_from_the_next_earnings(shop):
    member = make_member()
    order = sell(shop, [("JK100-M", 1)], total="399.00", member=member)
    points_burn(member=member, points=399, reference="spent-elsewhere")
    r = order_return(order_number=order.number, ret=ReturnInput(reference="RT-1")).order_return
    assert (r.points_reversed, r.points_owed) == (399, 399)
    assert points_balance(member_id=member.pk) == 0
    assert points_debt(member_id=member.pk) == 399
    points_earn(member=member, points=100, reference="later")
    assert (points_balance(member_id=member.pk), points_debt(member_id=member.pk)) == (0, 299)
    points_earn(member=member, points=500, reference="later-2")
    assert (points_balance(member_id=member.pk), points_debt(member_id=member.pk)) == (201, 0)


def test_a_return_pays_back_points_and_money_as_the_order_was_paid(shop):
    member = make_member()
    points_earn(member=member, points=10_000, reference="seed")
    order = sell(shop, [("JK100-M", 2)], total="798.00", member=member, points=10_000)
    assert order.points_value == Decimal("100.00")
    balance = points_balance(member_id=member.pk)
    r = order_return(
        order_number=order.number,
        ret=ReturnInput(reference="RT-1", lines=(ReturnLineInput("JK100-M", 1),)),
    ).order_return
    # Half the order back: half the points' 100 yuan as points, the rest in money.
    assert r.amount == Decimal("399.00")
    assert (r.points_restored, r.money_amount) == (5_000, Decimal("349.00"))
    reversed_ = int(order.points_earned * Decimal("399") / Decimal("798"))
    assert r.points_reversed == reversed_
    assert points_balance(member_id=member.pk) == balance + 5_000 - reversed_
    rest = order_return(order_number=order.number, ret=ReturnInput(reference="RT-2")).order_return
    assert r.points_restored + rest.points_restored == 10_000
    assert r.money_amount + rest.money_amount == Decimal("698.00")


def test_a_money_refund_above_what_is_left_is_refused_and_writes_nothing(shop):
    order = sell(shop, [("JK100-M", 1)], total="399.00", member=make_member())
    order_return(order_number=order.number, ret=ReturnInput(reference="adj", amount=Decimal("9")))
    before = _snapshot(order)
    with pytest.raises(ApplicationError) as err:
        order_return(
            order_number=order.number, ret=ReturnInput(reference="too-much", amount=Decimal("391"))
        )
    assert err.value.code == "refund_exceeds_paid"
    assert err.value.extra["refundable"] == "390.00"
    assert _snapshot(order) == before


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ((ReturnLineInput("JK100-M", 2),), "return_quantity_exceeds"),
        ((ReturnLineInput("TS200-M", 1),), "return_sku_not_on_order"),
        ((ReturnLineInput("JK100-M", 0),), "quantity_invalid"),
    ],
)
def test_bad_return_lines_are_refused_and_write_nothing(shop, lines, code):
    order = sell(shop, [("JK100-M", 1)], total="399.00", member=make_member())
    before = _snapshot(order)
    with pytest.raises(ApplicationError) as err:
        order_return(order_number=order.number, ret=ReturnInput(reference="RT-x", lines=lines))
    assert err.value.code == code
    assert _snapshot(order) == before


def test_a_refunded_order_cannot_be_returned_again_and_a_reference_replays(shop):
    order = sell(shop, [("JK100-M", 1)], total="399.00", member=make_member())
    first = order_return(order_number=order.number, ret=ReturnInput(reference="RT-1"))
    again = order_return(order_number=order.number, ret=ReturnInput(reference="RT-1"))
    assert again.replayed and again.order_return.pk == first.order_return.pk
    before = _snapshot(order)
    with pytest.raises(ApplicationError) as err:
        order_return(order_number=order.number, ret=ReturnInput(reference="RT-2"))
    assert err.value.code == "order_fully_refunded"
    with pytest.raises(ApplicationError) as err:
        order_return(
            order_number=order.number,
            ret=ReturnInput(reference="RT-1", amount=Decimal("1")),
        )
    assert err.value.code == "return_reference_conflict"
    assert _snapshot(order) == before


def test_an_unpaid_order_is_not_returnable(shop):
    order = sell(shop, [("JK100-M", 1)], total="399.00")
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING)
    with pytest.raises(ApplicationError) as err:
        order_return(order_number=order.number, ret=ReturnInput(reference="RT-1"))
    assert err.value.code == "order_not_returnable"
    with pytest.raises(ApplicationError) as err:
        order_return(order_number="NOPE", ret=ReturnInput(reference="RT-2"))
    assert err.value.code == "order_not_found"


def test_the_till_returns_an_order_of_another_store(client, till):
    other = make_store("sh02")
    member = make_member()
    order = sell(other, [("JK100-M", 1)], total="399.00", member=member)
    body = {
        "order_number": order.number,
        "reference": "RT-9",
        "lines": [{"sku": "JK100-M", "quantity": 1}],
    }
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="ret-key-1", **till.auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["amount"], data["order_status"], data["points_reversed"]) == (
        "399.00",
        "refunded",
        399,
    )
    assert OrderReturn.objects.get().store == till.store
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="ret-key-2", **till.auth)
    assert r.status_code == 201 and r.json() == data  # the same return reference replays
    bad = post_json(
        client,
        URL,
        {"order_number": order.number, "reference": "RT-10", "amount": "1.00"},
        HTTP_IDEMPOTENCY_KEY="ret-key-3",
        **till.auth,
    )
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "order_fully_refunded"
