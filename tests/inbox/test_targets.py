from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from omniloop.core.errors import ValidationFailed
from omniloop.inbox.models import Priority
from omniloop.inbox.targets import service_policy, service_policy_update, targets_for

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")


def test_urgent_counts_round_the_clock_two_minutes_by_default():
    at = datetime(2026, 12, 2, 3, 0, tzinfo=SH)  # 03:00, the store is closed
    first, resolve = targets_for(priority=Priority.URGENT, at=at)
    assert first == datetime(2026, 12, 2, 3, 2, tzinfo=SH)
    assert resolve == datetime(2026, 12, 2, 7, 0, tzinfo=SH)


def test_others_count_business_hours_only():
    service_policy_update(values={"weekdays": "12345", "opens_at": time(9), "closes_at": time(18)})
    # Friday 17:30: 30 minutes today, the remaining 30 on Monday at 09:00.
    at = datetime(2026, 12, 4, 17, 30, tzinfo=SH)
    first, _ = targets_for(priority=Priority.NORMAL, at=at)
    assert first == datetime(2026, 12, 7, 9, 30, tzinfo=SH)
    # Saturday night: the clock starts on Monday morning.
    first, resolve = targets_for(priority=Priority.HIGH, at=datetime(2026, 12, 5, 23, tzinfo=SH))
    assert first == datetime(2026, 12, 7, 9, 15, tzinfo=SH)
    # 8 business hours from Monday 09:00 ends Monday 17:00.
    assert resolve == datetime(2026, 12, 7, 17, 0, tzinfo=SH)


def test_bad_settings_are_refused_and_nothing_changes():
    with pytest.raises(ValidationFailed) as exc:
        service_policy_update(values={"opens_at": time(20), "closes_at": time(8)})
    assert exc.value.code == "policy_hours_invalid"
    with pytest.raises(ValidationFailed):
        service_policy_update(values={"weekdays": "19"})
    policy = service_policy()
    assert (policy.opens_at, policy.weekdays) == (time(9), "1234567")
