from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create, token_revoke
from omniloop.attribution.models import MemberBinding
from omniloop.core.models import IdempotencyRecord
from omniloop.orders.models import Order, OrderLine
from omniloop.promotions.models import Coupon, Redemption
from tests.api.helpers import post_json, sale_body
from tests.factories import make_member, make_product, make_store, make_user
from tests.promotions.pricing_helpers import coupon_offer, issued_coupon, live_offer

pytestmark = pytest.mark.django_db
URL = "/api/v1/pos/sales"


def _nothing_written() -> None:
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert IdempotencyRecord.objects.count() == 0


def test_sale_is_recorded_and_credited_to_store_and_serving_assistant(client, till):
    member = make_member("13900139000")
    body = sale_body(member_code=member.code, assistant=till.assistant.staff_code)
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-00000001", **till.auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["store_code"] == "sh01"
    assert data["credited_store_code"] == "sh01"
    assert data["credited_assistant_code"] == till.assistant.staff_code
    assert data["credit_rule"] == "till_serving_assistant"
    assert data["binding_decision"] == "bound"
    assert data["total"] == "399.00"
    order = Order.objects.get()
    assert order.member == member and order.lines.count() == 1
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id) == (till.store.pk, till.assistant.pk)


def test_without_assistant_the_bound_assistant_of_this_store_is_credited(client, till):
    member = make_member()
    post_json(
        client,
        URL,
        sale_body("R-1", member_code=member.code, assistant=till.assistant.staff_code),
        HTTP_IDEMPOTENCY_KEY="key-00000001",
        **till.auth,
    )
    r = post_json(
        client,
        URL,
        sale_body("R-2", phone=str(member.identities.get().masked)),
        HTTP_IDEMPOTENCY_KEY="key-00000002",
        **till.auth,
    )
    assert r.status_code == 422  # a masked phone is not a phone
    r = post_json(
        client,
        URL,
        sale_body("R-2", member_code=member.code),
        HTTP_IDEMPOTENCY_KEY="key-00000003",
        **till.auth,
    )
    assert r.status_code == 201
    assert r.json()["credit_rule"] == "till_bound_assistant"
    assert r.json()["credited_assistant_code"] == till.assistant.staff_code


def test_same_key_and_body_replays_the_stored_response(client, till):
    body = sale_body()
    first = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-replay-1", **till.auth)
    second = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-replay-1", **till.auth)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1


def test_same_key_with_another_body_is_refused_with_422(client, till):
    post_json(client, URL, sale_body(), HTTP_IDEMPOTENCY_KEY="key-mismatch", **till.auth)
    r = post_json(client, URL, sale_body(qty=2), HTTP_IDEMPOTENCY_KEY="key-mismatch", **till.auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_keys_are_scoped_per_till(client, till):
    other = token_create(name="till 2", store=till.store)
    r1 = post_json(client, URL, sale_body("R-1"), HTTP_IDEMPOTENCY_KEY="key-shared", **till.auth)
    r2 = post_json(
        client,
        URL,
        sale_body("R-2"),
        HTTP_IDEMPOTENCY_KEY="key-shared",
        HTTP_AUTHORIZATION=f"Bearer {other.secret}",
    )
    assert r1.status_code == r2.status_code == 201
    assert Order.objects.count() == 2


def test_a_receipt_already_recorded_under_another_key_conflicts(client, till):
    post_json(client, URL, sale_body("R-9"), HTTP_IDEMPOTENCY_KEY="key-a-000", **till.auth)
    r = post_json(client, URL, sale_body("R-9"), HTTP_IDEMPOTENCY_KEY="key-b-000", **till.auth)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "receipt_duplicate"
    assert Order.objects.count() == 1


@pytest.mark.parametrize(
    ("body_change", "status", "code"),
    [
        (
            {
                "lines": [{"sku": "NOPE", "quantity": 1, "unit_price": "1.00", "amount": "1.00"}],
                "total": "1.00",
            },
            422,
            "sku_unknown",
        ),
        ({"total": "398.00"}, 422, "total_mismatch"),
        (
            {
                "lines": [
                    {"sku": "JK100-M", "quantity": 1, "unit_price": "399.00", "amount": "300.00"}
                ],
                "total": "300.00",
            },
            422,
            "price_mismatch",
        ),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1, "unit_price": "1.00"}], "total": "1.00"},
            422,
            "price_mismatch",
        ),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1, "discount": "99.00"}], "total": "300.00"},
            422,
            "price_mismatch",
        ),
        (
            {"lines": [{"sku": "JK100-M", "quantity": 1, "unit_price": "399.005"}]},
            422,
            "validation_error",
        ),
        ({"coupon_codes": ["NOPE2345"]}, 422, "coupon_unknown"),
        ({"coupon_codes": [""]}, 422, "validation_error"),
        ({"coupon_codes": ["C" * 33]}, 422, "validation_error"),
        ({"member_code": "812345678901"}, 422, "member_code_invalid"),
        ({"phone": "12345"}, 422, "phone_invalid"),
        ({"phone": "13700137000"}, 404, "member_not_found"),
        ({"assistant": "NOBODY"}, 422, "assistant_not_in_store"),
        ({"lines": []}, 422, "validation_error"),
        ({"total": "-1.00"}, 422, "validation_error"),
        ({"total": "399.001"}, 422, "validation_error"),
        ({"unexpected": "field"}, 422, "validation_error"),
        ({"ordered_at": "2099-01-01T00:00:00+08:00"}, 422, "ordered_at_future"),
        ({"ordered_at": "yesterday"}, 422, "validation_error"),
    ],
)
def test_bad_sales_get_a_stable_code_and_write_nothing(client, till, body_change, status, code):
    body = sale_body()
    body.update(body_change)
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-bad-0001", **till.auth)
    assert r.status_code == status, r.content
    assert r.json()["error"]["code"] == code
    assert r.json()["error"]["message"]
    _nothing_written()


def test_assistant_of_another_store_cannot_be_credited(client, till):
    stranger = make_user(Role.ASSISTANT, make_store())
    r = post_json(
        client,
        URL,
        sale_body(assistant=stranger.staff_code),
        HTTP_IDEMPOTENCY_KEY="key-other-st",
        **till.auth,
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "assistant_not_in_store"
    _nothing_written()


@pytest.mark.parametrize(
    ("key", "code"),
    [
        (None, "idempotency_key_missing"),
        ("short", "idempotency_key_invalid"),
        ("has space 123", "idempotency_key_invalid"),
    ],
)
def test_idempotency_key_is_required_and_checked(client, till, key, code):
    headers = dict(till.auth)
    if key:
        headers["HTTP_IDEMPOTENCY_KEY"] = key
    r = post_json(client, URL, sale_body(), **headers)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == code
    _nothing_written()


def test_malformed_json_is_a_400(client, till):
    r = client.post(
        URL,
        data="{not json",
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-json-001",
        **till.auth,
    )
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "json_malformed"
    _nothing_written()


def test_oversized_body_is_a_413(client, till):
    body = sale_body(receipt="R" * 10)
    body["padding"] = "x" * 70_000
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-big-0001", **till.auth)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "payload_too_large"
    _nothing_written()


@pytest.mark.parametrize("auth", ["Bearer olt_wrong", "Bearer ", "Basic abc", None])
def test_wrong_till_token_is_a_401(client, till, auth):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    r = post_json(client, URL, sale_body(), HTTP_IDEMPOTENCY_KEY="key-auth-001", **headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "token_invalid"
    _nothing_written()


def test_revoked_token_is_a_401(client, till):
    token_revoke(token_id=till.issued.token.pk)
    r = post_json(client, URL, sale_body(), HTTP_IDEMPOTENCY_KEY="key-rev-0001", **till.auth)
    assert r.status_code == 401
    _nothing_written()


def test_integration_token_cannot_ring_up_sales(client, till):
    hq = token_create(name="erp", role=Role.HQ_ADMIN)
    r = post_json(
        client,
        URL,
        sale_body(),
        HTTP_IDEMPOTENCY_KEY="key-hq-00001",
        HTTP_AUTHORIZATION=f"Bearer {hq.secret}",
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "till_only"
    _nothing_written()


def test_naive_ordered_at_is_the_store_local_time(client, till):
    r = post_json(
        client,
        URL,
        sale_body(ordered_at="2026-11-01T10:00:00"),
        HTTP_IDEMPOTENCY_KEY="key-time-001",
        **till.auth,
    )
    assert r.status_code == 201
    ordered_at = datetime.fromisoformat(r.json()["ordered_at"])
    assert ordered_at == datetime(2026, 11, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


# Server-side pricing --------------------------------------------------------------------------


def test_a_sale_of_skus_and_quantities_is_priced_by_the_server(client, till):
    body = {"receipt_no": "R-1", "lines": [{"sku": "JK100-L", "quantity": 2}], "total": "798.00"}
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-price-01", **till.auth)
    assert r.status_code == 201, r.content
    assert r.json()["lines"] == [
        {
            "sku": "JK100-L",
            "quantity": 2,
            "unit_price": "399.00",
            "subtotal": "798.00",
            "discount": "0.00",
            "total": "798.00",
        }
    ]
    line = OrderLine.objects.get()
    assert (line.unit_price, line.discount, line.amount) == (
        Decimal("399.00"),
        Decimal("0.00"),
        Decimal("798.00"),
    )


def test_offers_are_applied_by_the_server_and_stored_per_line(client, till):
    make_product("TS200", price="99.50")
    offer = live_offer(name="满300减50", kind="threshold", params={"tiers": [[30000, 5000]]})
    lines = [{"sku": "JK100-M", "quantity": 1}, {"sku": "TS200-M", "quantity": 2}]
    body = {"receipt_no": "R-1", "lines": lines, "total": "598.00"}  # the till forgot the offer
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-offer-01", **till.auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "total_mismatch"
    assert r.json()["error"]["expected_total"] == "548.00"
    _nothing_written()
    body["total"] = "548.00"
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-offer-02", **till.auth)
    assert r.status_code == 201, r.content
    data = r.json()
    assert (data["total"], data["discount_total"]) == ("548.00", "50.00")
    assert data["discounts"] == [
        {
            "offer_id": offer.pk,
            "name": "满300减50",
            "amount": "50.00",
            "shipping": "0.00",
            "coupon_code": None,
        }
    ]
    order = Order.objects.get()
    assert (order.total, order.discount_total) == (Decimal("548.00"), Decimal("50.00"))
    # ¥50 split by line value: 399 / 598 and 199 / 598 of it
    assert [(ln.discount, ln.amount) for ln in order.lines.order_by("pk")] == [
        (Decimal("33.36"), Decimal("365.64")),
        (Decimal("16.64"), Decimal("182.36")),
    ]


def test_client_figures_that_match_the_server_are_accepted(client, till):
    live_offer(name="9折", kind="percent_off", params={"pay_percent": 90})
    line = {
        "sku": "JK100-M",
        "quantity": 1,
        "unit_price": "399.00",
        "discount": "39.90",
        "amount": "359.10",
    }
    body = {"receipt_no": "R-1", "lines": [line], "total": "359.10"}
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-match-01", **till.auth)
    assert r.status_code == 201, r.content
    line["discount"] = "0.00"
    body["receipt_no"] = "R-2"
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-match-02", **till.auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "price_mismatch"
    assert (r.json()["error"]["field"], r.json()["error"]["expected"]) == ("discount", "39.90")
    assert Order.objects.count() == 1


# Coupons ---------------------------------------------------------------------------------------


def _coupon_sale(receipt: str, member, code: str, total: str = "349.00") -> dict:
    return sale_body(receipt, member_code=member.code, coupon_codes=[code], total=total) | {
        "lines": [{"sku": "JK100-M", "quantity": 1}]
    }


def test_a_sale_redeems_its_coupon_once_and_a_second_use_writes_nothing(client, till):
    member = make_member()
    coupon = issued_coupon(member)  # ¥50 off from ¥300
    body = _coupon_sale("R-1", member, coupon.code)
    r = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-coupon-1", **till.auth)
    assert r.status_code == 201, r.content
    assert r.json()["discounts"][0]["coupon_code"] == coupon.code
    order = Order.objects.get()
    coupon.refresh_from_db()
    assert (coupon.state, coupon.order_id) == (Coupon.State.REDEEMED, order.pk)
    assert Redemption.objects.get().discount == Decimal("50.00")

    replay = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-coupon-1", **till.auth)
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert Redemption.objects.count() == 1

    again = _coupon_sale("R-2", member, coupon.code)
    r = post_json(client, URL, again, HTTP_IDEMPOTENCY_KEY="key-coupon-2", **till.auth)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "coupon_already_redeemed"
    assert r.json()["error"]["coupon_code"] == coupon.code
    assert Order.objects.count() == 1 and OrderLine.objects.count() == 1
    assert Redemption.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_coupon_problems_refuse_the_sale_with_the_coupon_reason(client, till):
    member, stranger = make_member(), make_member()
    theirs = issued_coupon(stranger)
    r = post_json(
        client,
        URL,
        _coupon_sale("R-1", member, theirs.code),
        HTTP_IDEMPOTENCY_KEY="key-cpn-bad1",
        **till.auth,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "coupon_not_yours")
    needs_500 = coupon_offer(
        name="¥50 from ¥500", kind="amount_off", params={"amount": 5000, "min_spend": 50000}
    )
    mine = issued_coupon(member, needs_500)
    r = post_json(
        client,
        URL,
        _coupon_sale("R-1", member, mine.code, total="399.00"),
        HTTP_IDEMPOTENCY_KEY="key-cpn-bad2",
        **till.auth,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "coupon_not_applicable")
    assert r.json()["error"]["reason"] == "offer_threshold_not_met"
    _nothing_written()
    assert Coupon.objects.filter(state=Coupon.State.REDEEMED).count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_tills_racing_for_one_coupon_make_one_sale():
    from django.test import Client

    from tests.concurrency.helpers import run_at_once

    store = make_store("sh01")
    make_product("JK100")
    member = make_member()
    coupon = issued_coupon(member)
    secrets = [token_create(name=f"till {i}", store=store).secret for i in range(2)]

    def call(i: int) -> int:
        r = post_json(
            Client(),
            URL,
            _coupon_sale(f"R-{i}", member, coupon.code),
            HTTP_IDEMPOTENCY_KEY=f"race-coupon-{i}",
            HTTP_AUTHORIZATION=f"Bearer {secrets[i]}",
        )
        return r.status_code

    results = run_at_once(2, call)
    assert sorted(results) == [201, 409], results
    assert Order.objects.count() == 1
    assert Redemption.objects.count() == 1
