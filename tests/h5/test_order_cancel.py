"""The member cancels their own paid order on its page; another member's order is not theirs
to cancel. HQ customer service cancels through the API."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.orders.models import Order, Payment
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from tests.api.helpers import post_json
from tests.factories import make_member
from tests.h5.helpers import as_member, by_testid
from tests.orders.online_helpers import checkout, place
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order():
    from django.db import transaction

    make_shop()
    member = make_member()
    order = place(member, checkout([("JK100-M", 1)]))
    with transaction.atomic():
        order_mark_paid(order=lock_order_with_payments(order.pk), at=order.ordered_at)
    return member, order


def test_the_member_cancels_a_paid_order_from_its_page(client, paid_order):
    member, order = paid_order
    as_member(client, member)
    page = client.get(f"/m/orders/{order.number}")
    assert by_testid(page.content, "cancel")
    r = client.post(f"/m/orders/{order.number}/cancel")
    assert r.status_code == 302 and r["Location"] == f"/m/orders/{order.number}"
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    page = client.get(f"/m/orders/{order.number}")
    assert b'data-testid="cancel"' not in page.content


def test_another_members_order_is_not_found_and_stays_paid(client, paid_order):
    _, order = paid_order
    as_member(client, make_member())
    r = client.post(f"/m/orders/{order.number}/cancel")
    assert r.status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PAID


def test_customer_service_cancels_through_the_api_idempotently(client, paid_order):
    _, order = paid_order
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='cs', role=Role.CS_AGENT).secret}"}
    url = f"/api/v1/orders/{order.number}/cancel"
    r = post_json(client, url, {"reason": "out of stock"}, **auth)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "order_number": order.number,
        "status": "cancelled",
        "refunded_total": str(order.total),
        "replayed": False,
    }
    assert post_json(client, url, {}, **auth).json()["replayed"] is True
    assert not Payment.objects.filter(
        order=order, kind=Payment.Kind.REFUND
    ).exists()  # unpaid by provider
    marketer = token_create(name="mk", role=Role.MARKETER).secret
    r = post_json(client, url, {}, HTTP_AUTHORIZATION=f"Bearer {marketer}")
    assert r.status_code == 403
