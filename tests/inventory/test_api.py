from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.inventory.models import StockLevel
from omniloop.inventory.services import ReserveLine, stock_reserve
from tests.api.helpers import post_json
from tests.inventory.helpers import LATER, T0, level, load, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def tokens(shop):
    class Tokens:
        till_a = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='a', store=shop.a).secret}"}
        hq = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='erp', role=Role.HQ_ADMIN).secret}"}
        marketer = {
            "HTTP_AUTHORIZATION": f"Bearer {token_create(name='m', role=Role.MARKETER).secret}"
        }

    return Tokens


def _key(n: int) -> dict[str, str]:
    return {"HTTP_IDEMPOTENCY_KEY": f"stock-key-{n:04d}"}


def test_a_till_loads_its_own_store_and_replays(client, shop, tokens):
    body = {"mode": "delta", "rows": [{"sku": "JK1-S", "on_hand": 4}]}
    r = post_json(client, "/api/v1/pos/stock", body, **tokens.till_a, **_key(1))
    assert r.status_code == 200, r.content
    assert r.json() == {"mode": "delta", "rows": 1, "created": 1, "changed": 1, "unchanged": 0}
    again = post_json(client, "/api/v1/pos/stock", body, **tokens.till_a, **_key(1))
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json() == r.json()
    assert level(shop.a, "JK1-S") == (4, 0)  # a delta replayed is not added twice


def test_a_till_cannot_load_another_store(client, shop, tokens):
    body = {"rows": [{"sku": "JK1-S", "on_hand": 4}]}
    hq_shaped = {"rows": [{"sku": "JK1-S", "on_hand": 4, "store": shop.b.code}]}
    r = post_json(client, "/api/v1/pos/stock", hq_shaped, **tokens.till_a, **_key(2))
    assert r.status_code == 422  # a till's rows carry no store at all
    r = post_json(client, "/api/v1/inventory", hq_shaped, **tokens.till_a, **_key(3))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_forbidden")
    r = post_json(client, "/api/v1/inventory", hq_shaped, **tokens.marketer, **_key(4))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "role_forbidden")
    r = post_json(client, "/api/v1/pos/stock", body, **tokens.hq, **_key(5))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "till_only")
    assert not StockLevel.objects.exists()


def test_bad_rows_are_422_with_codes_and_write_nothing(client, shop, tokens):
    load(shop.a, {"JK1-S": 1})
    before = snapshot()
    body = {
        "rows": [
            {"store": "sha", "sku": "JK1-S", "on_hand": 5},
            {"store": "nope", "sku": "JK1-S", "on_hand": 5},
            {"store": "shb", "sku": "NOPE", "on_hand": 5},
            {"store": "shb", "sku": "JK1-M", "on_hand": -2},
        ]
    }
    r = post_json(client, "/api/v1/inventory", body, **tokens.hq, **_key(6))
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "stock_rows_invalid"
    assert [(p["index"], p["code"]) for p in error["problems"]] == [
        (1, "store_unknown"),
        (2, "sku_unknown"),
        (3, "on_hand_invalid"),
    ]
    assert snapshot() == before
    # the key was not used up by the refusal: the corrected request goes through under it
    body["rows"] = body["rows"][:1]
    r = post_json(client, "/api/v1/inventory", body, **tokens.hq, **_key(6))
    assert r.status_code == 200 and level(shop.a, "JK1-S") == (5, 0)


def test_below_reserved_is_409_naming_the_sku(client, shop, tokens):
    load(shop.a, {"JK1-S": 3})
    stock_reserve(
        store_id=shop.a.pk,
        lines=[ReserveLine(shop.skus["JK1-S"].pk, 2)],
        kind="pickup",
        reference="O-1",
        expires_at=LATER,
        at=T0,
    )
    body = {"rows": [{"sku": "JK1-S", "on_hand": 1}]}
    r = post_json(client, "/api/v1/pos/stock", body, **tokens.till_a, **_key(7))
    assert r.status_code == 409
    error = r.json()["error"]
    assert (error["code"], error["sku"], error["reserved"]) == ("stock_below_reserved", "JK1-S", 2)
    assert level(shop.a, "JK1-S") == (3, 2)


def test_a_key_reused_for_another_load_is_refused(client, shop, tokens):
    post_json(
        client,
        "/api/v1/pos/stock",
        {"rows": [{"sku": "JK1-S", "on_hand": 1}]},
        **tokens.till_a,
        **_key(8),
    )
    r = post_json(
        client,
        "/api/v1/pos/stock",
        {"rows": [{"sku": "JK1-S", "on_hand": 9}]},
        **tokens.till_a,
        **_key(8),
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "idempotency_key_reused")
    r = post_json(
        client, "/api/v1/pos/stock", {"rows": [{"sku": "JK1-S", "on_hand": 9}]}, **tokens.till_a
    )
    assert (r.status_code, r.json()["error"]["code"]) == (400, "idempotency_key_missing")
    assert level(shop.a, "JK1-S") == (1, 0)


def test_availability_per_store(client, shop, tokens):
    load(shop.a, {"JK1-S": 3})
    load(shop.c, {"JK1-S": 1})
    barcode = shop.skus["JK1-S"].barcode
    r = client.get(f"/api/v1/inventory/availability?sku={barcode}", **tokens.till_a)
    assert r.json() == {
        "rows": [
            {"store": "bjc", "sku": "JK1-S", "available": 1},
            {"store": "sha", "sku": "JK1-S", "available": 3},
        ]
    }
    r = client.get("/api/v1/inventory/availability?sku=JK1-S&city=上海", **tokens.hq)
    assert [x["store"] for x in r.json()["rows"]] == ["sha"]
    r = client.get("/api/v1/inventory/availability?sku=JK1-S&store=bjc", **tokens.marketer)
    assert [x["store"] for x in r.json()["rows"]] == ["bjc"]
    r = client.get("/api/v1/inventory/availability?sku=NOPE", **tokens.hq)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "sku_unknown")
    r = client.get("/api/v1/inventory/availability", **tokens.hq)
    assert r.status_code == 422
