from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from omniloop.orders.models import Order
from omniloop.settlement.models import CommissionRule, SettlementPeriodClose, SettlementRule
from omniloop.settlement.services import settlement_backfill
from tests.factories import make_user
from tests.settlement.world import Brand, fixture_month, make_brand

pytestmark = pytest.mark.django_db


@pytest.fixture
def brand(db) -> Brand:
    brand = make_brand()
    fixture_month(brand)
    settlement_backfill()
    return brand


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _csv(client: Client, brand: Brand, table: str) -> list[dict[str, str]]:
    response = client.get(
        reverse("dashboard:settlement_export"),
        {"period": f"{brand.period:%Y-%m}", "table": table},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_hq_sees_every_store_and_the_csv_adds_up(brand: Brand):
    client = _client(brand.hq)
    page = client.get(reverse("dashboard:settlement"), {"period": f"{brand.period:%Y-%m}"})
    assert page.status_code == 200
    for code in ("sa", "sb", "sc"):
        assert f'data-store="{code}"' in page.content.decode()
    rows = _csv(client, brand, "stores")
    paid = Order.objects.filter(status="completed")
    assert sum(Decimal(r["net"]) for r in rows) == sum((o.total for o in paid), Decimal(0))
    assert {r["store_code"] for r in rows} == {"sa", "sb", "sc", ""}
    people = _csv(client, brand, "assistants")
    assert {r["staff_code"] for r in people} == {
        u.staff_code for u in (brand.a1, brand.a2, brand.b1, brand.c1)
    }


def test_store_staff_see_only_their_store(brand: Brand):
    manager = make_user(Role.STORE_MANAGER, brand.b)
    client = _client(manager)
    page = client.get(reverse("dashboard:settlement"), {"period": f"{brand.period:%Y-%m}"})
    html = page.content.decode()
    assert 'data-store="sb"' in html and 'data-store="sa"' not in html
    assert [r["store_code"] for r in _csv(client, brand, "stores")] == ["sb"]
    assert {r["staff_code"] for r in _csv(client, brand, "assistants")} == {brand.b1.staff_code}
    # An assistant sees their store's total and only their own row.
    assistant = _client(brand.a2)
    assert [r["store_code"] for r in _csv(assistant, brand, "stores")] == ["sa"]
    assert [r["staff_code"] for r in _csv(assistant, brand, "assistants")] == [brand.a2.staff_code]
    perf = assistant.get(reverse("dashboard:o2o_performance"), {"period": f"{brand.period:%Y-%m}"})
    assert f'data-assistant="{brand.a2.username}"' in perf.content.decode()
    assert f'data-assistant="{brand.a1.username}"' not in perf.content.decode()


def test_performance_page_counts_recruits_online_sales_pickups_and_commission(brand: Brand):
    client = _client(brand.hq)
    page = client.get(reverse("dashboard:o2o_performance"), {"period": f"{brand.period:%Y-%m}"})
    assert page.status_code == 200
    rows = {r.assistant.pk: r for r in page.context["rows"]}
    assert rows[brand.a1.pk].recruited == 1 and rows[brand.b1.pk].recruited == 1
    assert rows[brand.a2.pk].recruited == 0
    assert rows[brand.b1.pk].pickups == 2  # both pickups at B were handed over by b1
    assert rows[brand.a1.pk].pickups == 0
    # a1's online sales: the online order (209.00) and 70% of the pickup (699.31)
    assert rows[brand.a1.pk].online_sales == Decimal("908.31")
    assert rows[brand.a1.pk].online_orders == 2


def test_rules_page_saves_a_split_and_refuses_a_bad_one(brand: Brand):
    client = _client(brand.hq)
    url = reverse("dashboard:settlement_rules")
    assert client.get(url).status_code == 200
    bad = client.post(
        url,
        {"form": "split", "flow": "pickup", "credited": "60", "fulfilling": "30", "ordering": "0"},
    )
    assert bad.status_code == 422
    assert b"settlement_shares_sum" in bad.content
    assert not SettlementRule.objects.exists()
    ok = client.post(
        url,
        {
            "form": "split",
            "flow": "pickup",
            "credited": "60",
            "fulfilling": "40",
            "ordering": "0",
            "enabled": "on",
        },
    )
    assert ok.status_code == 302
    rule = SettlementRule.objects.get()
    assert (rule.credited_bp, rule.fulfilling_bp, rule.created_by_id) == (6000, 4000, brand.hq.pk)
    assert AuditEvent.objects.filter(action="settlement.rule_set").count() == 1
    ok = client.post(
        url, {"form": "commission", "flow": "", "category": "", "rate": "2.5", "active": "on"}
    )
    assert ok.status_code == 302
    assert CommissionRule.objects.filter(rate_bp=250, flow="", category=None).count() == 1
    ok = client.post(url, {"form": "close", "period": f"{brand.period:%Y-%m}"})
    assert ok.status_code == 302
    assert SettlementPeriodClose.objects.get().period == brand.period


def test_only_hq_admins_open_the_rules(brand: Brand):
    for user in (brand.a1, make_user(Role.MARKETER), make_user(Role.STORE_MANAGER, brand.a)):
        assert _client(user).get(reverse("dashboard:settlement_rules")).status_code == 403
    assert _client(make_user(Role.CS_AGENT)).get(reverse("dashboard:settlement")).status_code == 403
