"""The coupon-template API: strict input (no mass assignment of counters), bulk issue with
per-member problems, counts, idempotent retries."""

from __future__ import annotations

import json

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.members.services import member_merge
from omniloop.promotions.models import Coupon, CouponTemplate
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer, make_template

pytestmark = pytest.mark.django_db


@pytest.fixture
def auth():
    secret = token_create(name="crm", role=Role.MARKETER).secret
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def _post(client, path: str, body: dict, **headers):
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_create_a_template(client, auth):
    offer = make_offer()
    r = _post(
        client,
        "/api/v1/coupon-templates",
        {
            "offer_id": offer.pk,
            "name": "扫码领券",
            "claimable": True,
            "issue_limit": 500,
            "valid_days": 14,
        },
        **auth,
    )
    assert r.status_code == 201, r.content
    body = r.json()
    template = CouponTemplate.objects.get(pk=body["id"])
    assert body["claim_url"].endswith(f"/m/coupons/claim/{template.claim_token}")
    assert (body["issue_limit"], body["valid_days"], body["code_kind"]) == (500, 14, "unique")
    assert body["counts"] == {
        "issued": 0,
        "usable": 0,
        "reserved": 0,
        "redeemed": 0,
        "void": 0,
        "shared_code_used": 0,
    }


@pytest.mark.parametrize(
    "extra",
    [{"issued_count": 5}, {"shared_code_used": 3}, {"claim_token": "x" * 20}, {"active": False}],
)
def test_counters_and_tokens_cannot_be_assigned(client, auth, extra):
    offer = make_offer()
    body = {"offer_id": offer.pk, "name": "t", "valid_days": 7, **extra}
    r = _post(client, "/api/v1/coupon-templates", body, **auth)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "validation_error"
    assert not CouponTemplate.objects.exists()


def test_create_refusals_carry_the_service_codes(client, auth):
    r = _post(
        client,
        "/api/v1/coupon-templates",
        {"offer_id": make_offer(coupon_only=False).pk, "name": "t", "valid_days": 7},
        **auth,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "coupon_offer_not_coupon_only")
    r = _post(
        client,
        "/api/v1/coupon-templates",
        {"offer_id": 999999, "name": "t", "valid_days": 7},
        **auth,
    )
    assert (r.status_code, r.json()["error"]["code"]) == (404, "offer_not_found")
    r = _post(
        client,
        "/api/v1/coupon-templates",
        {"offer_id": make_offer().pk, "name": "t", "code_kind": "shared", "valid_days": 7},
        **auth,
    )
    assert r.status_code == 422
    assert not CouponTemplate.objects.exists()


def test_issue_in_bulk_with_per_member_problems_and_read_counts(client, auth):
    template = make_template(issue_limit=3)
    a, b, c, d = make_member(), make_member(), make_member(), make_member()
    merged = make_member()
    member_merge(survivor_id=d.pk, merged_id=merged.pk, actor="t", reason="same person")
    path = f"/api/v1/coupon-templates/{template.pk}/issue"
    r = _post(client, path, {"member_codes": [a.code, "000000000000", a.code, b.code]}, **auth)
    assert r.status_code == 200, r.content
    assert r.json() == {
        "issued": 2,
        "problems": [{"member_code": "000000000000", "code": "member_not_found"}],
    }
    r = _post(client, path, {"member_codes": [a.code, merged.code, c.code]}, **auth)
    assert r.json() == {
        "issued": 1,
        "problems": [
            {"member_code": a.code, "code": "coupon_member_limit"},
            {"member_code": c.code, "code": "coupon_issue_limit_reached"},
        ],
    }
    assert Coupon.objects.filter(member=d).count() == 1  # the merged code reached the survivor
    r = client.get(f"/api/v1/coupon-templates/{template.pk}", **auth)
    assert r.status_code == 200
    assert r.json()["counts"]["issued"] == 3
    assert r.json()["counts"]["usable"] == 3


def test_issue_input_is_bounded_and_retries_replay(client, auth):
    template = make_template(per_member_limit=5)
    member = make_member()
    path = f"/api/v1/coupon-templates/{template.pk}/issue"
    r = _post(client, path, {"member_codes": ["x"] * 1001}, **auth)
    assert r.status_code == 422
    r = _post(client, path, {"member_codes": []}, **auth)
    assert r.status_code == 422
    key = {"HTTP_IDEMPOTENCY_KEY": "issue-retry-0001"}
    first = _post(client, path, {"member_codes": [member.code]}, **auth, **key)
    again = _post(client, path, {"member_codes": [member.code]}, **auth, **key)
    assert first.json() == again.json() == {"issued": 1, "problems": []}
    assert again["Idempotent-Replayed"] == "true"
    assert Coupon.objects.filter(member=member).count() == 1
    r = _post(client, "/api/v1/coupon-templates/999999/issue", {"member_codes": ["1"]}, **auth)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "coupon_template_not_found")
