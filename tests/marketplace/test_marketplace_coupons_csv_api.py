"""Coupon codes on marketplace orders through the CSV column and the API field (ADR 43)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.marketplace.models import MarketplaceCouponDrift
from omniloop.orders.models import Order
from omniloop.promotions.coupons import coupon_issue
from omniloop.promotions.models import Coupon
from tests.api.helpers import post_json
from tests.factories import make_member
from tests.marketplace.helpers import tmall
from tests.promotions.coupon_helpers import make_template
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db
PHONE = "13800138654"
ISSUED = datetime(2026, 11, 1, tzinfo=UTC)  # before the orders below were placed


@pytest.fixture
def coupon():
    make_shop()
    tmall()
    member = make_member(phone=PHONE)
    return coupon_issue(template=make_template(), member=member, source="manual", at=ISSUED)


def test_the_csv_column_carries_codes_and_an_unusable_one_does_not_refuse_the_file(
    coupon, tmp_path, capsys
):
    path = tmp_path / "tmall.csv"
    path.write_text(
        "channel,external_id,ordered_at,sku,quantity,phone,coupon_codes\n"
        f"tmall-flagship,TM-1,2026-11-30 10:00,JK100-M,1,{PHONE},{coupon.code.lower()}; BOGUS99\n"
        f"tmall-flagship,TM-1,2026-11-30 10:00,TS200-S,1,{PHONE},{coupon.code.lower()}; BOGUS99\n"
        f"tmall-flagship,TM-2,2026-11-30 11:00,JK100-L,1,{PHONE},{coupon.code}\n",
        encoding="utf-8",
    )
    call_command("import", "marketplace_orders", str(path))
    assert "2 created, 0 unchanged, 0 with price drift, 2 coupon codes not honoured" in (
        capsys.readouterr().out
    )
    first = Order.objects.get(receipt_no="TM-1")
    assert first.total == Decimal("448.50")  # 399 + 99.50 - the coupon's 50
    assert Coupon.objects.get(pk=coupon.pk).order_id == first.pk
    assert Order.objects.get(receipt_no="TM-2").total == Decimal("399.00")
    assert set(MarketplaceCouponDrift.objects.values_list("code", "reason")) == {
        ("BOGUS99", "coupon_unknown"),  # codes are random: compare as a set, not by sort order
        (coupon.code, "coupon_already_redeemed"),
    }
    call_command("import", "marketplace_orders", str(path))  # again: nothing changes
    assert "0 created, 2 unchanged, 0 with price drift, 0 coupon codes" in capsys.readouterr().out
    assert MarketplaceCouponDrift.objects.count() == 2


def test_rows_of_one_order_must_agree_on_its_codes(coupon, tmp_path, capsys):
    path = tmp_path / "tmall.csv"
    path.write_text(
        "channel,external_id,ordered_at,sku,quantity,coupon_codes\n"
        f"tmall-flagship,TM-1,2026-11-30 10:00,JK100-M,1,{coupon.code}\n"
        "tmall-flagship,TM-1,2026-11-30 10:00,TS200-S,1,\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception, match="import_rejected"):
        call_command("import", "marketplace_orders", str(path))
    assert "coupon_codes: order_rows_disagree" in capsys.readouterr().err
    assert Order.objects.count() == 0 and Coupon.objects.get(pk=coupon.pk).state == "issued"


def test_the_api_field_reports_honoured_codes_and_drift(client, coupon):
    hq = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='sync', role=Role.HQ_ADMIN).secret}"}
    body = {
        "channel": "tmall-flagship",
        "external_id": "TM-9",
        "ordered_at": "2026-11-30T10:00:00+08:00",
        "status": "pending",
        "phone": PHONE,
        "lines": [{"sku": "JK100-M", "quantity": 1}],
        "coupon_codes": [coupon.code, "NOPE0000"],
    }
    r = post_json(client, "/api/v1/marketplace/orders", body, **hq)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["total"] == "349.00" and data["coupons_honoured"] == [coupon.code]
    assert data["coupon_drift"] == [
        {"code": "NOPE0000", "reason": "coupon_unknown", "stage": "arrival"}
    ]
    assert Coupon.objects.get(pk=coupon.pk).state == "reserved"
    r = post_json(
        client, "/api/v1/marketplace/orders/tmall-flagship/TM-9/status", {"status": "paid"}, **hq
    )
    assert r.status_code == 200 and r.json()["coupons_honoured"] == [coupon.code]
    assert Coupon.objects.get(pk=coupon.pk).state == "redeemed"
    too_long = {**body, "external_id": "TM-10", "coupon_codes": ["X" * 33]}
    assert post_json(client, "/api/v1/marketplace/orders", too_long, **hq).status_code == 422
    assert Order.objects.count() == 1
