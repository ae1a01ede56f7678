"""The till sale's one transaction (ADR 42): no savepoints, and a refusal at its last step still
writes nothing, the key row, the order, its coupon and its points included. On a real
transaction (transactional_db): the test's own atomic block would add a savepoint."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniloop.core.models import IdempotencyRecord
from omniloop.loyalty.models import LedgerEntry, LedgerTransaction
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.orders.models import Order, OrderLine
from omniloop.promotions.models import Coupon, Redemption
from tests.api.helpers import post_json, sale_body
from tests.factories import make_member
from tests.promotions.pricing_helpers import issued_coupon

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/pos/sales"


def _points_sale(client, till, key: str, receipt: str, member, code: str, points: int):
    """POST a ¥349 sale (¥399 less a ¥50 coupon) paying `points`."""
    body = sale_body(receipt, member_code=member.code, coupon_codes=[code], total="349.00")
    body |= {"lines": [{"sku": "JK100-M", "quantity": 1}], "points": points}
    return post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY=key, **till.auth)


def test_a_points_sale_with_a_coupon_sends_no_savepoint(client, till, monkeypatch):
    member = make_member()
    points_earn(member=member, points=5_000, reference="seed")
    first, coupon = issued_coupon(member), issued_coupon(member)
    # A first sale creates what is made once (the till channel, the brand accounts).
    r = _points_sale(client, till, "key-warm-0", "R-0", member, first.code, 100)
    assert r.status_code == 201, r.content
    # Tests run tasks inline (their listeners take their own savepoints); in production the
    # sale's transaction only inserts the task row (ADR 29).
    monkeypatch.setattr("omniloop.orders.services.order_paid", lambda order_id: None)
    with CaptureQueriesContext(connection) as sent:
        r = _points_sale(client, till, "key-one-txn-1", "R-1", member, coupon.code, 1_000)
    assert r.status_code == 201, r.content
    assert (r.json()["points_redeemed"], r.json()["points_earned"]) == (1_000, 339)
    sql = [q["sql"] for q in sent.captured_queries]
    assert [s for s in sql if "SAVEPOINT" in s.upper()] == [], "\n".join(sql)
    assert points_balance(member_id=member.pk) == 5_000 - 100 + 348 - 1_000 + 339
    assert Order.objects.get(receipt_no="R-1").points_earned == 339


def test_a_burn_refused_after_the_coupon_was_taken_writes_nothing(client, till):
    member = make_member()
    points_earn(member=member, points=500, reference="seed")
    coupon = issued_coupon(member)
    before = (LedgerTransaction.objects.count(), LedgerEntry.objects.count())
    # 1,000 points: more than the member has; refused after the coupon's UPDATE took it.
    r = _points_sale(client, till, "key-one-txn-2", "R-1", member, coupon.code, 1_000)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "points_insufficient")
    assert Order.objects.count() == OrderLine.objects.count() == 0
    assert IdempotencyRecord.objects.count() == Redemption.objects.count() == 0
    coupon.refresh_from_db()
    assert (coupon.state, coupon.order_id) == (Coupon.State.ISSUED, None)
    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == before
    assert points_balance(member_id=member.pk) == 500
    # The same key then succeeds: the refused attempt kept no key.
    points_earn(member=member, points=1_000, reference="seed-2")
    r = _points_sale(client, till, "key-one-txn-2", "R-1", member, coupon.code, 1_000)
    assert r.status_code == 201, r.content


@pytest.mark.postgres
def test_parallel_first_sales_without_the_policy_row_all_go_through():
    """The policy row is made by a migration; with it gone (a flushed table) eight members'
    first sales at once make it once and none of them deadlocks or fails."""
    from django.test import Client

    from omniloop.accounts.services import token_create
    from omniloop.loyalty.models import PointsPolicy
    from tests.concurrency.helpers import run_at_once
    from tests.factories import make_product, make_store

    store = make_store("sh01")
    make_product("JK100", price="399.00")
    members = [make_member() for _ in range(8)]
    secret = token_create(name="till", store=store).secret
    PointsPolicy.objects.all().delete()

    def call(i: int) -> int:
        body = sale_body(f"R-{i}", member_code=members[i].code, total="399.00")
        r = post_json(
            Client(),
            URL,
            body,
            HTTP_IDEMPOTENCY_KEY=f"first-sale-{i}",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        return r.status_code

    assert run_at_once(8, call) == [201] * 8
    assert PointsPolicy.objects.count() == 1
    assert Order.objects.filter(points_earned=399).count() == 8
