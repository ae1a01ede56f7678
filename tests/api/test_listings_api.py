"""POST /api/v1/listings and GET /api/v1/listings/drift for HQ integrations."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.listings.models import ChannelListing
from tests.api.helpers import post_json
from tests.factories import make_product
from tests.listings.helpers import make_channel

pytestmark = pytest.mark.django_db
URL = "/api/v1/listings"


@pytest.fixture
def hq():
    make_channel("tmall", name="天猫旗舰店")
    product = make_product("JK100", price="399.00")
    secret = token_create(name="listings bot", role=Role.MARKETER).secret
    return {"product": product, "auth": {"HTTP_AUTHORIZATION": f"Bearer {secret}"}}


def body(hq, **item):
    fields = {
        "external_id": "680001",
        "style_code": "JK100",
        "title": hq["product"].name,
        "price": "399.00",
        "observed_at": "2026-11-30T10:00:00+08:00",
        "url": "https://detail.tmall.com/item.htm?id=680001",
    }
    fields.update(item)
    return {"channel": "tmall", "listings": [fields]}


def post(client, hq, payload):
    return post_json(client, URL, payload, **hq["auth"])


def test_upsert_then_replay_is_unchanged(client, hq):
    r = post(client, hq, body(hq, price="429.00"))
    assert r.status_code == 200, r.content
    assert r.json() == {"created": 1, "updated": 0, "unchanged": 0, "ignored_older": 0}
    r = post(client, hq, body(hq, price="429.00"))
    assert r.json() == {"created": 0, "updated": 0, "unchanged": 1, "ignored_older": 0}
    assert ChannelListing.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"colour": "red"}, "validation_error"),  # unknown field
        ({"price": "399.001"}, "validation_error"),
        ({"price": -1}, "validation_error"),
        ({"observed_at": "yesterday"}, "validation_error"),
        ({"observed_at": "2026-11-30T10:00:00"}, "listings_invalid"),  # no offset
        ({"style_code": "NOPE"}, "listings_invalid"),
        ({"title": ""}, "validation_error"),
    ],
)
def test_bad_input_is_a_422_with_a_stable_code_and_writes_nothing(client, hq, change, code):
    r = post(client, hq, body(hq, **change))
    assert r.status_code == 422, r.content
    assert r.json()["error"]["code"] == code
    assert not ChannelListing.objects.exists()


def test_problems_name_the_listing_and_field(client, hq):
    payload = body(hq, style_code="NOPE")
    payload["listings"].insert(0, body(hq, external_id="ok")["listings"][0])
    error = post(client, hq, payload).json()["error"]
    assert error["problems"] == [
        {
            "index": 1,
            "code": "product_unknown",
            "field": "style_code",
            "message": "No such style code.",
        }
    ]
    assert not ChannelListing.objects.exists()


def test_batch_refusals(client, hq):
    make_channel("wechat-mall", kind="wechat_mall")
    r = post(client, hq, {**body(hq), "channel": "wechat-mall"})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "channel_internal")
    r = post(client, hq, {"channel": "tmall", "listings": []})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
    r = client.post(URL, data="{", content_type="application/json", **hq["auth"])
    assert (r.status_code, r.json()["error"]["code"]) == (400, "json_malformed")
    assert not ChannelListing.objects.exists()


def test_drift_report_as_json(client, hq):
    make_channel("jd")
    post(client, hq, body(hq, price="429.00", title="羊毛大衣 新款"))
    r = client.get(f"{URL}/drift", **hq["auth"])
    assert r.status_code == 200
    report = r.json()
    assert (report["checked"], report["stale_days"]) == (2, 7)
    assert report["by_field"]["price"] == 1 and report["by_severity"]["high"] == 1
    rows = [(x["channel_code"], x["field"], x["expected"], x["shown"]) for x in report["rows"]]
    assert rows == [
        ("tmall", "price", "399.00", "429.00"),
        ("jd", "missing_listing", hq["product"].name, ""),
        ("tmall", "title", hq["product"].name, "羊毛大衣 新款"),
    ]
    first = report["rows"][0]
    assert first["difference"] == "30.00" and first["list_price"] == "399.00"
    assert (first["severity"], first["source"]) == ("high", "api")
    assert first["channel_name"] == "天猫旗舰店"
    assert first["url"] == "https://detail.tmall.com/item.htm?id=680001"
    r = client.get(f"{URL}/drift?channel=tmall&field=title", **hq["auth"])
    assert [x["field"] for x in r.json()["rows"]] == ["title"]


def test_drift_filter_errors(client, hq):
    r = client.get(f"{URL}/drift?channel=nope", **hq["auth"])
    assert (r.status_code, r.json()["error"]["code"]) == (404, "channel_not_found")
    r = client.get(f"{URL}/drift?field=colour", **hq["auth"])
    assert (r.status_code, r.json()["error"]["code"]) == (422, "validation_error")
