"""Service targets (服务时效): when a ticket's first response and resolution are due.

Urgent tickets count round the clock (the two-minute promise does not sleep); the others
count only the brand's business hours, in the brand's time zone."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

from omniloop.core.brand import brand_settings
from omniloop.core.errors import ValidationFailed
from omniloop.inbox.models import Priority, ServicePolicy

_NAMES = {
    Priority.URGENT: "urgent",
    Priority.HIGH: "high",
    Priority.NORMAL: "normal",
    Priority.LOW: "low",
}


def service_policy() -> ServicePolicy:
    policy, _ = ServicePolicy.objects.get_or_create(pk=1)
    return policy


def service_policy_update(*, values: dict[str, object]) -> ServicePolicy:
    """Change the targets and hours; open tickets keep the targets they were given."""
    policy = service_policy()
    for name, value in values.items():
        if not hasattr(policy, name) or name == "id":
            raise ValidationFailed(f"Unknown setting {name}.", code="policy_field_unknown")
        setattr(policy, name, value)
    if any(int(getattr(policy, f"{p}_first_minutes")) < 1 for p in _NAMES.values()) or any(
        int(getattr(policy, f"{p}_resolve_hours")) < 1 for p in _NAMES.values()
    ):
        raise ValidationFailed("Targets must be at least 1.", code="policy_target_invalid")
    if not 1 <= int(policy.escalate_at_percent) <= 99:
        raise ValidationFailed("Escalate at 1-99% of a target.", code="policy_percent_invalid")
    days = str(policy.weekdays)
    if not days or any(d not in "1234567" for d in days) or len(set(days)) != len(days):
        raise ValidationFailed("Weekdays are digits 1-7.", code="policy_weekdays_invalid")
    if policy.opens_at >= policy.closes_at:
        raise ValidationFailed("Opening must be before closing.", code="policy_hours_invalid")
    policy.save()
    return policy


def _in_business_time(
    start: datetime, span: timedelta, policy: ServicePolicy, tz: zoneinfo.ZoneInfo
) -> datetime:
    """`start` plus `span` of business time: only opening hours on business weekdays count."""
    opens: time = policy.opens_at
    closes: time = policy.closes_at
    local = start.astimezone(tz)
    remaining = span
    for _ in range(400):  # at most a year of days, whatever the settings
        day = local.date()
        if str(day.isoweekday()) in policy.weekdays:
            day_open = datetime.combine(day, opens, tz)
            day_close = datetime.combine(day, closes, tz)
            begin = max(local, day_open)
            if begin < day_close:
                if begin + remaining <= day_close:
                    return begin + remaining
                remaining -= day_close - begin
        local = datetime.combine(day + timedelta(days=1), time(0), tz)
    raise ValidationFailed("The business hours leave no time.", code="policy_hours_invalid")


def targets_for(
    *, priority: int, at: datetime, policy: ServicePolicy | None = None
) -> tuple[datetime, datetime]:
    """(first response due, resolution due) for a ticket of `priority` opened at `at`."""
    policy = policy or service_policy()
    name = _NAMES[Priority(priority)]
    first = timedelta(minutes=int(getattr(policy, f"{name}_first_minutes")))
    resolve = timedelta(hours=int(getattr(policy, f"{name}_resolve_hours")))
    if priority >= Priority.URGENT:
        return at + first, at + resolve
    tz = zoneinfo.ZoneInfo(brand_settings().timezone)
    return _in_business_time(at, first, policy, tz), _in_business_time(at, resolve, policy, tz)


def escalation_point(start: datetime, due: datetime, policy: ServicePolicy) -> datetime:
    """When a target is 'about to be missed': the policy's share of its span has passed."""
    return start + (due - start) * (int(policy.escalate_at_percent) / 100)
