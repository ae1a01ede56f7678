"""Parametric QR codes through the API and the fake WeChat server: permanent ones counted
against the cap, temporary ones expiring, the access token cached and refreshed once."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.core import clock
from omniloop.touchpoints.models import Touchpoint
from omniloop.wechat.models import WechatQrCode
from omniloop.wechat.qrcodes import permanent_codes_used
from tests.factories import make_product, make_store, make_touchpoint, make_user
from tests.wechat.conftest import APP_ID

pytestmark = pytest.mark.django_db
URL = "/api/v1/wechat/qrcodes"


@pytest.fixture
def api(client, wechat):
    secret = token_create(name="crm", role=Role.MARKETER).secret

    def call(body=None, *, qrcode_id=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
        if qrcode_id is not None:
            return client.get(f"{URL}/{qrcode_id}", **headers)
        return client.post(URL, json.dumps(body), content_type="application/json", **headers)

    return call


@pytest.fixture
def store():
    return make_store("sh01")


def _counter(store) -> Touchpoint:
    return make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=store)


def test_a_permanent_code_for_a_counter_is_created_once(api, wechat, store):
    tp = _counter(store)
    r = api({"touchpoint_id": tp.pk, "permanent": True})
    assert r.status_code == 201, r.content
    body = r.json()
    (call,) = wechat.calls_to("qrcode/create")
    assert call.body == {
        "action_name": "QR_LIMIT_STR_SCENE",
        "action_info": {"scene": {"scene_str": tp.scene}},
    }
    code = WechatQrCode.objects.get()
    assert (body["ticket"], body["scene"], body["expires_at"]) == (code.ticket, tp.scene, None)
    assert body["image_url"].endswith(code.ticket)
    again = api({"touchpoint_id": tp.pk, "permanent": True})
    assert (again.status_code, again.json()["id"]) == (200, body["id"])
    assert len(wechat.calls_to("qrcode/create")) == 1
    assert permanent_codes_used(app_id=APP_ID) == 1


def test_campaigns_and_tags_get_no_permanent_code(api, wechat, store):
    poster = make_touchpoint(Touchpoint.Kind.POSTER, label="双11")
    tag = make_touchpoint(Touchpoint.Kind.PRODUCT_TAG, store=store, product=make_product())
    for tp in (poster, tag):
        r = api({"touchpoint_id": tp.pk, "permanent": True})
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "wechat_qr_permanent_not_allowed"
    assert not wechat.calls_to("qrcode/create")
    assert not WechatQrCode.objects.exists()


def test_a_temporary_code_expires_as_asked(api, wechat):
    poster = make_touchpoint(Touchpoint.Kind.POSTER)
    before = clock.now()
    r = api({"touchpoint_id": poster.pk, "permanent": False, "expire_seconds": 7 * 86400})
    assert r.status_code == 201
    (call,) = wechat.calls_to("qrcode/create")
    assert (call.body["action_name"], call.body["expire_seconds"]) == ("QR_STR_SCENE", 604800)
    code = WechatQrCode.objects.get()
    assert before + timedelta(days=7) <= code.expires_at <= clock.now() + timedelta(days=7)
    default = api({"touchpoint_id": poster.pk, "permanent": False})
    assert default.status_code == 201
    assert wechat.calls_to("qrcode/create")[1].body["expire_seconds"] == 2_592_000


@pytest.mark.parametrize("seconds", [0, 59, 2_592_001])
def test_a_temporary_code_lasts_at_most_30_days(api, wechat, seconds):
    poster = make_touchpoint(Touchpoint.Kind.POSTER)
    r = api({"touchpoint_id": poster.pk, "permanent": False, "expire_seconds": seconds})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "wechat_qr_expiry_invalid")
    assert not wechat.calls_to("qrcode/create")


def test_the_permanent_cap_is_refused_with_a_clear_code(api, wechat, store, settings):
    settings.OMNILOOP_WECHAT_PERMANENT_QR_CAP = 2
    tps = [_counter(store) for _ in range(2)]
    tps.append(
        make_touchpoint(
            Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=make_user(Role.ASSISTANT, store)
        )
    )
    assert [api({"touchpoint_id": tp.pk, "permanent": True}).status_code for tp in tps[:2]] == [
        201,
        201,
    ]
    r = api({"touchpoint_id": tps[2].pk, "permanent": True})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "wechat_qr_cap_reached")
    assert len(wechat.calls_to("qrcode/create")) == 2
    assert permanent_codes_used(app_id=APP_ID) == WechatQrCode.objects.count() == 2


def test_a_failed_create_gives_its_slot_back(api, wechat, store):
    tp = _counter(store)
    wechat.fail("qrcode/create", 45009)
    r = api({"touchpoint_id": tp.pk, "permanent": True})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "wechat_rate_limited")
    assert permanent_codes_used(app_id=APP_ID) == 0
    assert not WechatQrCode.objects.exists()
    assert api({"touchpoint_id": tp.pk, "permanent": True}).status_code == 201


def test_the_access_token_is_fetched_once_and_cached(api, wechat, store):
    for _ in range(3):
        assert api({"touchpoint_id": _counter(store).pk, "permanent": True}).status_code == 201
    assert len(wechat.calls_to("token")) == 1
    assert cache.get(f"wechat:{APP_ID}_access_token") == wechat.current_token
    assert {c.query["access_token"] for c in wechat.calls_to("qrcode/create")} == {
        wechat.current_token
    }


def test_an_expired_token_is_refreshed_once_and_the_call_retried(api, wechat, store):
    assert api({"touchpoint_id": _counter(store).pk, "permanent": True}).status_code == 201
    wechat.expire_token()
    assert api({"touchpoint_id": _counter(store).pk, "permanent": True}).status_code == 201
    assert len(wechat.calls_to("token")) == 2
    assert len(wechat.calls_to("qrcode/create")) == 3  # one refused with 40001, retried once


def test_a_token_refused_twice_is_not_retried_forever(api, wechat, store):
    wechat.fail("qrcode/create", 40001, times=5)
    r = api({"touchpoint_id": _counter(store).pk, "permanent": True})
    assert (r.status_code, r.json()["error"]["code"]) == (503, "wechat_token_invalid")
    assert len(wechat.calls_to("qrcode/create")) == 2
    assert len(wechat.calls_to("token")) == 2
    assert permanent_codes_used(app_id=APP_ID) == 0


def test_a_wrong_app_secret_is_a_clear_error(api, wechat, store, settings):
    settings.OMNILOOP_WECHAT_APP_SECRET = "wrong"
    r = api({"touchpoint_id": _counter(store).pk, "permanent": True})
    assert (r.status_code, r.json()["error"]["code"]) == (502, "wechat_api_error")
    assert r.json()["error"]["errcode"] == 40125
    assert permanent_codes_used(app_id=APP_ID) == 0


def test_an_inactive_touchpoint_gets_no_code(api, wechat, store):
    tp = _counter(store)
    Touchpoint.objects.filter(pk=tp.pk).update(active=False)
    r = api({"touchpoint_id": tp.pk, "permanent": True})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "touchpoint_inactive")
    assert api({"touchpoint_id": 999999, "permanent": True}).status_code == 404


def test_usage_is_read_back(api, wechat, store):
    created = api({"touchpoint_id": _counter(store).pk, "permanent": True}).json()
    WechatQrCode.objects.filter(pk=created["id"]).update(scans=4, last_scanned_at=clock.now())
    r = api(qrcode_id=created["id"])
    assert (r.status_code, r.json()["scans"]) == (200, 4)
    assert api(qrcode_id=created["id"] + 100).status_code == 404


def test_a_till_or_customer_service_may_not_create_codes(client, wechat, store):
    tp = _counter(store)
    for secret in (
        token_create(name="till", store=store).secret,
        token_create(name="cs", role=Role.CS_AGENT).secret,
    ):
        r = client.post(
            URL,
            json.dumps({"touchpoint_id": tp.pk, "permanent": True}),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {secret}",
        )
        assert r.status_code == 403
    assert not wechat.calls_to("qrcode/create")
