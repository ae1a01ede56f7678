"""The dashboard's segment pages through the Django client: CSV export equals the rule's
members, saving and refreshing are audited, store staff are refused."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.test import Client
from freezegun import freeze_time

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from omniloop.insights.features import features_rebuild
from omniloop.insights.models import Segment
from omniloop.members.models import Member
from tests.factories import make_user
from tests.insights import oracle
from tests.insights.world import AS_OF, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer_client(db):
    build_world(seed=2, members=20, orders=90)
    with freeze_time(AS_OF):
        features_rebuild(as_of=AS_OF)
    client = Client()
    client.force_login(make_user(Role.MARKETER))
    return client


def test_csv_export_lists_the_rules_members(marketer_client):
    rule = {"purchased": {"category": "coffee"}}
    with freeze_time(AS_OF):
        r = marketer_client.get(
            "/dashboard/segments/export.csv", {"rule_json": json.dumps(rule), "match": "all"}
        )
        body = b"".join(r.streaming_content).decode("utf-8-sig")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(body)))
    ids = oracle.expected_ids(rule, AS_OF)
    members = Member.objects.filter(pk__in=ids).order_by("pk")
    assert [row["member_code"] for row in rows] == [m.code for m in members]
    assert [row["member_ref"] for row in rows] == [m.external_ref or m.code for m in members]
    assert "phone" not in body


def test_builder_rows_compose_the_rule_and_count(marketer_client):
    data = {
        "match": "any",
        "c0_field": "orders_90d",
        "c0_op": ">=",
        "c0_value": "2",
        "c1_field": "tier",
        "c1_op": "in",
        "c1_value": "gold, silver",
    }
    with freeze_time(AS_OF):
        r = marketer_client.post("/dashboard/segments/builder/", data, HTTP_HX_REQUEST="true")
    rule = {
        "any": [
            {"field": "orders_90d", "op": ">=", "value": 2},
            {"field": "tier", "op": "in", "value": ["gold", "silver"]},
        ]
    }
    assert (
        f'data-testid="count-value">{len(oracle.expected_ids(rule, AS_OF))}<' in r.content.decode()
    )
    bad = marketer_client.post(
        "/dashboard/segments/builder/", {"rule_json": '{"field": "x"}'}, HTTP_HX_REQUEST="true"
    )
    assert "rule_unknown_field" in bad.content.decode() or "rule_invalid" in bad.content.decode()


def test_save_and_refresh_are_audited(marketer_client):
    rule = {"field": "lifecycle", "op": "=", "value": "active"}
    r = marketer_client.post(
        "/dashboard/segments/save/",
        {"slug": "act", "name": "Active", "rule_json": json.dumps(rule)},
    )
    assert r.status_code == 302
    assert Segment.objects.get(slug="act").rule == rule
    r = marketer_client.post("/dashboard/segments/act/refresh/")
    assert r.status_code == 302
    assert Segment.objects.get(slug="act").versions.count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"segment.save", "segment.refresh"} <= actions


@pytest.mark.parametrize("role", [Role.STORE_MANAGER, Role.ASSISTANT, Role.CS_AGENT])
def test_other_roles_are_refused(db, role):
    client = Client()
    client.force_login(make_user(role))
    for url in (
        "/dashboard/segments/",
        "/dashboard/segments/builder/",
        "/dashboard/segments/export.csv",
    ):
        assert client.get(url).status_code == 403
