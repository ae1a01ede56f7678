"""A NUL character never reaches the database (PostgreSQL text cannot hold one): the path, the
query string and JSON or form bodies carrying one are refused with a 400 and a stable code, and
nothing is written. Found by schemathesis on PostgreSQL (tests/fuzz)."""

from __future__ import annotations

import json

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.inventory.models import StockLevel
from tests.factories import make_product, make_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def till(db):
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='t', store=store).secret}"}


def test_a_json_body_with_nul_is_refused_and_nothing_written(client, till):
    body = json.dumps({"rows": [{"sku": "JK100-M\x00", "on_hand": 3}]})
    assert "\\u0000" in body
    response = client.post(
        "/api/v1/pos/stock",
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="key-nul-0001",
        **till,
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "nul_character"
    assert not StockLevel.objects.exists()


def test_a_query_string_with_nul_is_refused(client, till):
    response = client.get("/api/v1/pos/stock?sku=JK100-M%00", **till)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "nul_character")


def test_a_form_post_with_nul_is_refused(client):
    response = client.post(
        "/dashboard/login/",
        "username=a%00b&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400


def test_ordinary_requests_pass(client, till):
    token = token_create(name="hq", role=Role.HQ_ADMIN).secret
    assert client.get("/api/v1/stores", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
