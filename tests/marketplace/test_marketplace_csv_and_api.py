"""The CSV import (`omniloop import marketplace_orders PATH`) and the integration API."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.marketplace.models import MarketplaceOrder
from omniloop.orders.models import Order
from tests.api.helpers import post_json
from tests.marketplace.helpers import tmall
from tests.promotions.pricing_helpers import make_shop

pytestmark = pytest.mark.django_db
HEADER = "channel,external_id,ordered_at,status,sku,quantity,amount,total,phone\n"


@pytest.fixture
def shop():
    make_shop()
    tmall()


def _csv(tmp_path, body: str):
    path = tmp_path / "tmall.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_a_file_imports_each_order_once_and_again_changes_nothing(shop, tmp_path, capsys):
    path = _csv(
        tmp_path,
        "tmall-flagship,TM-1,2026-11-30 10:00,paid,JK100-M,1,359.00,458.50,\n"
        "tmall-flagship,TM-1,2026-11-30 10:00,paid,TS200-S,1,99.50,458.50,\n"
        "tmall-flagship,TM-2,2026-11-30 11:00,paid,JK100-L,2,,,\n",
    )
    call_command("import", "marketplace_orders", str(path))
    out = capsys.readouterr().out
    assert "3 rows read, 2 orders, 2 created, 0 unchanged, 1 with price drift" in out
    one = Order.objects.get(receipt_no="TM-1")
    assert one.total == Decimal("458.50") and one.lines.count() == 2
    assert Order.objects.get(receipt_no="TM-2").total == Decimal("798.00")
    # A time without a zone is in the brand's (Asia/Shanghai): 10:00 there is 02:00 UTC.
    assert one.ordered_at == datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    call_command("import", "marketplace_orders", str(path))
    assert "0 created, 2 unchanged" in capsys.readouterr().out
    assert Order.objects.count() == 2


def test_one_bad_order_refuses_the_whole_file(shop, tmp_path, capsys):
    path = _csv(
        tmp_path,
        "tmall-flagship,TM-1,2026-11-30 10:00,paid,JK100-M,1,,,\n"
        "tmall-flagship,TM-2,2026-11-30 11:00,paid,NOPE-1,1,,,\n"
        "tmall-flagship,TM-3,2026-11-30 11:00,shipped,JK100-M,1,,,\n",
    )
    with pytest.raises(CommandError, match="import_rejected"):
        call_command("import", "marketplace_orders", str(path))
    err = capsys.readouterr().err
    assert "row 3" in err and "sku_unknown" in err
    assert "row 4 status: status_invalid" in err
    assert Order.objects.count() == 0 and MarketplaceOrder.objects.count() == 0


@pytest.fixture
def hq():
    secret = token_create(name="tmall sync", role=Role.HQ_ADMIN).secret
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


BODY = {
    "channel": "tmall-flagship",
    "external_id": "TM-9",
    "ordered_at": "2026-11-30T10:00:00+08:00",
    "lines": [{"sku": "JK100-M", "quantity": 1, "amount": "369.00"}],
}


def test_the_api_imports_replays_and_updates_status(client, shop, hq):
    r = post_json(client, "/api/v1/marketplace/orders", BODY, **hq)
    assert r.status_code == 201, r.content
    data = r.json()
    assert data["status"] == "paid" and data["total"] == "369.00"
    assert data["engine_total"] == "399.00"
    assert data["drift"][0]["field"] == "amount" and data["drift"][0]["ours"] == "399.00"
    r = post_json(client, "/api/v1/marketplace/orders", BODY, **hq)
    assert r.status_code == 200 and r.json()["replayed"] is True
    r = post_json(
        client,
        "/api/v1/marketplace/orders/tmall-flagship/TM-9/status",
        {"status": "cancelled"},
        **hq,
    )
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "cancelled"
    assert Order.objects.get(receipt_no="TM-9").status == Order.Status.CANCELLED


def test_the_api_needs_an_hq_integration_token(client, shop):
    assert post_json(client, "/api/v1/marketplace/orders", BODY).status_code == 401
    secret = token_create(name="marketing", role=Role.MARKETER).secret
    r = post_json(client, "/api/v1/marketplace/orders", BODY, HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 403
    assert Order.objects.count() == 0


def test_the_drift_report_lists_only_orders_that_differ(client, shop, hq):
    post_json(client, "/api/v1/marketplace/orders", BODY, **hq)  # ¥369 where we say ¥399
    same = {**BODY, "external_id": "TM-10", "lines": [{"sku": "JK100-M", "quantity": 1}]}
    post_json(client, "/api/v1/marketplace/orders", same, **hq)
    r = client.get("/api/v1/marketplace/drift", **hq)
    assert r.status_code == 200, r.content
    rows = r.json()
    assert [row["external_id"] for row in rows] == ["TM-9"]
    assert rows[0]["marketplace_total"] == "369.00" and rows[0]["engine_total"] == "399.00"
    assert rows[0]["drift"][0]["field"] == "amount"
    assert client.get("/api/v1/marketplace/drift?channel=other", **hq).json() == []
