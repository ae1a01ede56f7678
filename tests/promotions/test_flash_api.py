"""POST /api/v1/flash-sales/{id}/claims and GET /api/v1/flash-sales/{id} over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.core import clock
from omniloop.members.models import Member
from omniloop.promotions.flash import flash_sale_pause
from omniloop.promotions.models import FlashSale
from tests.api.helpers import post_json
from tests.factories import make_member
from tests.promotions.flash_helpers import flash_state, make_flash_sale

pytestmark = pytest.mark.django_db


def url(sale_id: int) -> str:
    return f"/api/v1/flash-sales/{sale_id}/claims"


def test_a_till_claims_for_a_member_and_gets_the_claim(client, till):
    sale = make_flash_sale(stock=5, per_member_limit=2)
    member = make_member()
    r = post_json(client, url(sale.pk), {"member_code": member.code, "quantity": 2}, **till.auth)
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["flash_sale_id"] == sale.pk and body["member_code"] == member.code
    assert (body["quantity"], body["price"], body["amount"]) == (2, "99.00", "198.00")
    assert body["id"] > 0 and body["held_until"]
    assert flash_state(sale)["stock_left"] == 3
    r = client.get(f"/api/v1/flash-sales/{sale.pk}", **till.auth)
    assert r.status_code == 200
    got = r.json()
    assert (got["stock_left"], got["stock_total"], got["status"]) == (3, 5, "active")
    assert got["sku_code"] == sale.sku.sku_code


def test_an_hq_integration_token_may_claim_too(client):
    sale = make_flash_sale()
    secret = token_create(name="erp", role=Role.MARKETER).secret
    r = post_json(
        client,
        url(sale.pk),
        {"member_code": make_member().code},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert r.status_code == 201 and r.json()["quantity"] == 1


def test_each_bad_input_has_its_own_code_and_writes_nothing(client, till):
    now = clock.now()
    sale = make_flash_sale(stock=2, per_member_limit=1)
    member = make_member()
    erased = make_member()
    Member.objects.filter(pk=erased.pk).update(status=Member.Status.ERASED)
    later = make_flash_sale(starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2))
    over = make_flash_sale(starts_at=now - timedelta(hours=2), ends_at=now - timedelta(hours=1))
    paused = make_flash_sale()
    flash_sale_pause(flash_sale_id=paused.pk)
    code = member.code
    cases = [
        (sale.pk, {"member_code": code, "quantity": 0}, 422, "quantity_invalid"),
        (sale.pk, {"member_code": code, "quantity": 1000}, 422, "quantity_invalid"),
        (sale.pk, {"member_code": code, "quantity": "1"}, 422, "validation_error"),
        (sale.pk, {"member_code": code, "quantity": 1.5}, 422, "validation_error"),
        (sale.pk, {"member_code": code, "qty": 1}, 422, "validation_error"),
        (sale.pk, {"quantity": 1}, 422, "validation_error"),
        (sale.pk, {"member_code": "123456789012"}, 422, "member_code_invalid"),
        (sale.pk, {"member_code": erased.code}, 404, "member_not_found"),
        (sale.pk + 999, {"member_code": code}, 404, "flash_not_found"),
        (later.pk, {"member_code": code}, 409, "flash_not_started"),
        (over.pk, {"member_code": code}, 409, "flash_ended"),
        (paused.pk, {"member_code": code}, 409, "flash_paused"),
        (sale.pk, {"member_code": code, "quantity": 2}, 409, "flash_member_limit"),
    ]
    for sale_id, body, status, error in cases:
        r = post_json(client, url(sale_id), body, **till.auth)
        assert (r.status_code, r.json()["error"]["code"]) == (status, error), (body, r.content)
    r = client.post(url(sale.pk), data="{", content_type="application/json", **till.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "json_malformed")
    assert all(flash_state(s)["claims"] == 0 for s in (sale, later, over, paused))
    assert FlashSale.objects.get(pk=sale.pk).stock_left == 2
    # Sold out, then over the limit: each with its code; the stock never goes below zero.
    for _ in range(2):
        r = post_json(client, url(sale.pk), {"member_code": make_member().code}, **till.auth)
        assert r.status_code == 201
    r = post_json(client, url(sale.pk), {"member_code": code}, **till.auth)
    assert r.status_code == 409
    assert r.json()["error"] == {
        "code": "flash_sold_out",
        "message": "This flash sale is sold out.",
        "stock_left": 0,
    }
    assert FlashSale.objects.get(pk=sale.pk).stock_left == 0


def test_unknown_sale_on_get_is_404(client, till):
    r = client.get("/api/v1/flash-sales/424242", **till.auth)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "flash_not_found")
