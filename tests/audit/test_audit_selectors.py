from __future__ import annotations

from datetime import date, datetime

import pytest
from django.utils import timezone
from freezegun import freeze_time

from omniloop.accounts.access import Actor
from omniloop.audit.selectors import AuditQuery, audit_action_codes, audit_event_search
from omniloop.audit.services import audit_record

pytestmark = pytest.mark.django_db


def _at(day: int, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime(2026, 11, day, hour))


@pytest.fixture
def events():
    hq = Actor(role="hq_admin", store_id=None, user_id=1)
    till = Actor(role="till", store_id=3, token_id=9)
    with freeze_time(_at(1)):
        a = audit_record(action="offer.pause", actor=hq, target_type="offer", target_id=5)
    with freeze_time(_at(2, 0)):
        b = audit_record(action="offer.end", actor=hq, target_type="offer", target_id=6)
    with freeze_time(_at(3, 23)):
        c = audit_record(action="api.denied", actor=till, outcome="denied", code="till_only")
    return a, b, c


def _ids(**kw):
    return [e.pk for e in audit_event_search(query=AuditQuery(**kw))]


def test_filters(events):
    a, b, c = events
    assert _ids() == [c.pk, b.pk, a.pk]
    assert _ids(actor="user:1") == [b.pk, a.pk] == _ids(actor="1")
    assert _ids(actor="token:9") == [c.pk]
    assert _ids(actor="nobody") == []
    assert _ids(action="offer.") == [b.pk, a.pk]
    assert _ids(action="offer.end") == [b.pk]
    assert _ids(target_type="offer", target_id="5") == [a.pk]
    assert _ids(outcome="denied") == [c.pk]
    # Whole days in the brand's time zone, both ends included.
    assert _ids(date_from=date(2026, 11, 2), date_to=date(2026, 11, 2)) == [b.pk]
    assert _ids(date_from=date(2026, 11, 3)) == [c.pk]
    assert _ids(date_to=date(2026, 11, 1)) == [a.pk]
    assert audit_action_codes() == ["api.denied", "offer.end", "offer.pause"]
