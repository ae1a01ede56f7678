"""The till sale's answer is validated once (its schema instance goes to ninja as is) and stored
as JSON for replays: the first answer and its replay are the same bytes, with every type the
schema carries (money, a member, a coupon's discount, a time with microseconds and an offset)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from omniloop.core.models import IdempotencyRecord
from tests.api.helpers import post_json, sale_body
from tests.factories import make_member
from tests.promotions.pricing_helpers import issued_coupon

pytestmark = pytest.mark.django_db
URL = "/api/v1/pos/sales"


def test_the_first_answer_and_its_replay_are_the_same_bytes(client, till):
    member = make_member()
    coupon = issued_coupon(member)  # ¥50 off from ¥300
    at = datetime.now(ZoneInfo("Asia/Shanghai"))
    at = at if at.microsecond else at + timedelta(microseconds=1)  # a time with microseconds
    body = sale_body(
        "R-bytes",
        member_code=member.code,
        coupon_codes=[coupon.code],
        total="349.00",
        assistant=till.assistant.staff_code,
        ordered_at=at.isoformat(),
    ) | {"lines": [{"sku": "JK100-M", "quantity": 1}]}
    first = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-bytes-01", **till.auth)
    assert first.status_code == 201, first.content
    replay = post_json(client, URL, body, HTTP_IDEMPOTENCY_KEY="key-bytes-01", **till.auth)
    assert replay["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert (replay.status_code, replay.content) == (first.status_code, first.content)
    assert first["Content-Type"] == replay["Content-Type"]
    data = json.loads(first.content)
    assert (data["total"], data["discount_total"], data["to_pay"]) == ("349.00", "50.00", "349.00")
    assert data["member_code"] == member.code
    assert data["discounts"][0]["coupon_code"] == coupon.code
    assert data["ordered_at"].startswith(at.strftime("%Y-%m-%dT%H:%M"))
    stored = IdempotencyRecord.objects.get().response_body
    assert stored["number"] == data["number"] and stored["lines"] == data["lines"]
