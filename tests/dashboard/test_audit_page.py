"""The audit page: HQ admins only, searchable, paginated, in both languages."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.accounts.access import actor_for_user
from omniloop.audit.models import AuditEvent
from omniloop.audit.services import audit_record
from tests.dashboard.conftest import error_code, login

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:audit")


@pytest.mark.parametrize("who", ["cs", "marketer", "manager_a", "assistant_a"])
def test_only_hq_admins_open_it_and_the_refusal_is_audited(client, world, who):
    user = getattr(world, who)
    login(client, user)
    response = client.get(URL)
    assert response.status_code == 403 and error_code(response.text) == "role_forbidden"
    event = AuditEvent.objects.get()
    assert (event.target_id, event.actor_user_id) == ("dashboard:audit", user.pk)


def test_search_filters_and_pages(client, world):
    hq, cs = actor_for_user(world.hq), actor_for_user(world.cs)
    for i in range(55):
        audit_record(action="offer.pause", actor=hq, target_type="offer", target_id=i)
    audit_record(
        action="member.phone_reveal", actor=cs, target_type="member", target_id=world.member_a.pk
    )
    login(client, world.hq)
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 56
    assert len(response.context["rows"]) == 50
    assert "56 条记录" in response.text and "审计" in response.text
    assert client.get(URL, {"page": 2}).context["rows"].__len__() == 6
    response = client.get(URL, {"actor": f"user:{world.cs.pk}"})
    assert [e.action for e, _name in response.context["rows"]] == ["member.phone_reveal"]
    assert reverse("dashboard:member_detail", args=[world.member_a.pk]) in response.text
    response = client.get(URL, {"action": "offer.", "target_type": "offer", "target_id": "7"})
    assert [e.target_id for e, _name in response.context["rows"]] == ["7"]
    assert world.phone_a not in client.get(URL).text


def test_refused_search_is_a_422_and_shows_nothing(client, world):
    audit_record(action="offer.pause")
    login(client, world.hq)
    response = client.get(URL, {"actor": "bob", "date_from": "2026-11-02", "date_to": "2026-11-01"})
    assert response.status_code == 422
    assert response.context["page"].paginator.count == 0
    assert "结束日期早于开始日期。" in response.text


def test_english(client, world):
    audit_record(action="api.denied", outcome="denied", code="token_invalid")
    login(client, world.hq)
    client.cookies["django_language"] = "en"
    html = client.get(URL).text
    assert "Every reveal of a full phone number" in html and "1 event" in html
    assert "Denied" in html and "token_invalid" in html and "Anonymous" in html
