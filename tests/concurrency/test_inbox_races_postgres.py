"""The inbox under real concurrency on PostgreSQL: a remedy many approvers approve at once is
granted once (one coupon), and overlapping escalation sweeps take each step once."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from freezegun import freeze_time

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.inbox.escalation import tickets_escalate
from omniloop.inbox.models import Channel, Remedy, TicketEvent
from omniloop.inbox.remedies import RemedyRequest, remedy_approve, remedy_request
from omniloop.inbox.services import Voice, ticket_open
from omniloop.promotions.models import Coupon
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member, make_store, make_user
from tests.inbox.helpers import compensation_template

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
T0 = datetime(2026, 12, 2, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _ticket(store, at=None):
    return ticket_open(
        voice=Voice(
            channel=Channel.STORE_NOTE,
            body="过敏了，要去医院",
            member_id=make_member().pk,
            store_id=store.pk,
            at=at,
        )
    )


def test_ten_approvers_at_once_grant_one_coupon():
    store = make_store()
    ticket = _ticket(store)
    manager = actor_for_user(make_user(Role.STORE_MANAGER, store))
    remedy = remedy_request(
        actor=manager,
        ticket_id=ticket.pk,
        request=RemedyRequest(kind="coupon", coupon_template_id=compensation_template(5000).pk),
    )
    assert remedy.state == Remedy.State.PENDING
    approvers = [actor_for_user(make_user(Role.HQ_ADMIN)) for _ in range(10)]

    results = run_at_once(10, lambda i: remedy_approve(actor=approvers[i], remedy_id=remedy.pk))

    assert outcomes(results) == {"ok": 1, "remedy_decided": 9}
    assert Coupon.objects.filter(member_id=ticket.member_id).count() == 1
    assert Remedy.objects.get().state == Remedy.State.GRANTED


def test_overlapping_sweeps_escalate_and_breach_once():
    store = make_store()
    tickets = [_ticket(store, at=T0) for _ in range(5)]
    with freeze_time(T0 + timedelta(minutes=3)):
        results = run_at_once(8, lambda _: tickets_escalate())
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 10  # per ticket: one breach, one escalation to level 2
    for ticket in tickets:
        kinds = list(TicketEvent.objects.filter(ticket=ticket).values_list("kind", flat=True))
        assert sorted(kinds) == ["breached", "escalated", "triaged"]
