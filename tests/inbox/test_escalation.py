"""With a controlled clock: an urgent ticket nobody answers escalates as its two minutes run
out, is marked breached when they have passed, and shows in the report by store and category."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from freezegun import freeze_time

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.core.periodic import periodic_jobs
from omniloop.inbox.escalation import tickets_escalate
from omniloop.inbox.models import Channel, Priority, Ticket
from omniloop.inbox.reports import inbox_report
from omniloop.inbox.services import Voice, ticket_open, ticket_reply
from omniloop.inbox.tasks import inbox_escalate_task
from tests.factories import make_member, make_product, make_store, make_user

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=SH)


def _urgent(store, product=None):
    return ticket_open(
        voice=Voice(
            channel=Channel.STORE_NOTE,
            body="顾客穿了衬衫皮肤过敏，要去医院",
            member_id=make_member().pk,
            store_id=store.pk,
            product_id=product.pk if product else None,
            at=T0,
        )
    )


def test_the_sweep_is_a_periodic_job_every_minute():
    job = periodic_jobs()["inbox_escalate"]
    assert (job.every, job.task.module_path) == (
        timedelta(minutes=1),
        inbox_escalate_task.module_path,
    )


def test_about_to_miss_escalates_then_the_breach_is_marked_and_reported():
    store = make_store("sh01")
    product = make_product("JK1")
    with freeze_time(T0):
        ticket = _urgent(store, product)
    assert ticket.priority == Priority.URGENT
    assert ticket.first_response_due == T0 + timedelta(minutes=2)

    with freeze_time(T0 + timedelta(seconds=60)):  # half the target: nothing yet
        assert tickets_escalate() == 0
    with freeze_time(T0 + timedelta(seconds=95)):  # 75% passed: escalate, once
        assert tickets_escalate() == 1
        assert tickets_escalate() == 0
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.first_response_breached) == (1, False)
    assert ticket.assigned_store_id == store.pk

    with freeze_time(T0 + timedelta(seconds=121)):  # missed: breached, HQ takes over
        assert tickets_escalate() == 2
        assert tickets_escalate() == 0
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.first_response_breached) == (2, True)
    assert ticket.assigned_store_id is None
    assert list(ticket.events.values_list("kind", flat=True)) == [
        "triaged",
        "escalated",
        "breached",
        "escalated",
    ]

    agent = make_user(Role.CS_AGENT)
    with freeze_time(T0 + timedelta(minutes=5)):
        ticket_reply(actor=actor_for_user(agent), ticket_id=ticket.pk, body="马上联系您")
        report = inbox_report(
            actor=actor_for_user(agent), since=T0 - timedelta(days=1), until=T0 + timedelta(hours=1)
        )
    assert report.breaches == [
        {
            "store__code": "sh01",
            "category": "skin_reaction",
            "breaches": 1,
            "first_response": 1,
            "resolution": 0,
        }
    ]
    assert dict(report.distribution)["15m"] == 1
    assert report.top_products == [
        {
            "product__style_code": "JK1",
            "product__name": product.name,
            "category": "skin_reaction",
            "tickets": 1,
        }
    ]
    assert [(d.isoformat(), n, b) for d, n, b in report.trend] == [("2026-12-02", 1, 1)]

    client = Client()
    client.force_login(agent)
    with freeze_time(T0 + timedelta(minutes=6)):
        page = client.get(reverse("dashboard:inbox_report"), {"days": 2})
    assert page.status_code == 200
    assert b'data-store="sh01" data-category="skin_reaction"' in page.content


def test_a_reply_in_time_is_never_breached():
    store = make_store()
    with freeze_time(T0):
        ticket = _urgent(store)
    agent = make_user(Role.CS_AGENT)
    with freeze_time(T0 + timedelta(seconds=50)):
        ticket_reply(actor=actor_for_user(agent), ticket_id=ticket.pk, body="您好，我们马上处理")
    with freeze_time(T0 + timedelta(minutes=10)):
        assert tickets_escalate() == 0
    ticket.refresh_from_db()
    assert (ticket.escalation_level, ticket.first_response_breached) == (0, False)
    assert Ticket.objects.filter(first_response_breached=True).count() == 0
