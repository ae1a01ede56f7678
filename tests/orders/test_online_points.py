"""Points as part-payment online (ADR 15's rules, as at the till): burned at placement, the
provider charges the rest, earning is on the money part, a never-paid order gives the points
back, a cancel gives back points and money each their own way. In the H5 checkout too."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omniloop.core.errors import ApplicationError
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.orders.cancel import order_cancel
from omniloop.orders.models import Order, Payment
from omniloop.orders.online_settle import online_orders_expire
from tests.factories import make_member
from tests.h5.helpers import as_member, by_testid
from tests.orders.online_helpers import checkout, place, post_notification, signed, start
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db
ITEMS = [("JK100-M", 1)]  # ¥399 + ¥10 shipping = ¥409


@pytest.fixture
def member():
    make_shop()
    member = make_member()
    points_earn(member=member, points=30_000, reference="seed")
    return member


def test_points_pay_part_and_the_provider_charges_the_rest(
    client, member, django_capture_on_commit_callbacks
):
    order = place(member, checkout(ITEMS, points=10_000))
    assert (order.total, order.points_redeemed, order.points_value) == (
        Decimal("409.00"),
        10_000,
        Decimal("100.00"),
    )
    assert points_balance(member_id=member.pk) == 20_000  # burned at placement
    charge = start(order)
    assert charge.amount == Decimal("309.00")
    assert post_notification(client, *signed(charge)).status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    # Earned on what the lines took in money: the points are set against the goods, as at
    # the till (orders.points.money_shares): 399 - 100.
    assert order.points_earned == 299
    assert points_balance(member_id=member.pk) == 20_299
    with django_capture_on_commit_callbacks(execute=True):
        order_cancel(order_number=order.number)
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert (refund.amount, refund.status) == (Decimal("309.00"), Payment.Status.SUCCEEDED)
    assert points_balance(member_id=member.pk) == 30_000  # points back, earned taken back


def test_an_order_never_paid_gives_its_points_back(member):
    order = place(member, checkout(ITEMS, points=10_000))
    later = order.ordered_at + timedelta(hours=2)
    assert online_orders_expire(at=later) == 1
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert points_balance(member_id=member.pk) == 30_000


def test_too_many_points_or_more_than_the_member_has_is_refused_whole(member):
    with pytest.raises(ApplicationError) as exc:
        place(member, checkout(ITEMS, points=30_000))  # ¥300 > 50% of ¥409
    assert exc.value.code == "points_over_limit"
    poor = make_member()
    points_earn(member=poor, points=100, reference="seed-poor")
    with pytest.raises(ApplicationError) as exc:
        place(poor, checkout(ITEMS, points=200))
    assert exc.value.code == "points_insufficient"
    assert Order.objects.count() == 0
    assert points_balance(member_id=member.pk) == 30_000


def test_the_h5_checkout_shows_the_points_and_what_is_left_to_pay(client, member):
    as_member(client, member)
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": 1})
    page = client.get("/m/checkout", {"points": "10000"})
    assert page.status_code == 200
    assert by_testid(page.content, "points-value") == "−¥100.00"
    assert by_testid(page.content, "to-pay") == "¥309.00"
    assert "20450" in by_testid(page.content, "points")  # the most this order takes
    over = client.get("/m/checkout", {"points": "25000"})
    assert by_testid(over.content, "points-problem") == "points_over_limit"
