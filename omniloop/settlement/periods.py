"""Settlement periods: calendar months in the brand's time zone (`BrandSettings.timezone`),
named by their first day. A closed period takes no more entries; what arrives late for it is
written to the next open one, so a closed month's totals never move."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from omniloop.accounts.access import Actor, require_roles, require_staff_user
from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.core.brand import brand_settings
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.settlement.models import SettlementPeriodClose


def brand_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(brand_settings().timezone)


def period_of(at: datetime, zone: zoneinfo.ZoneInfo | None = None) -> date:
    local = timezone.localtime(at, zone or brand_zone())
    return date(local.year, local.month, 1)


def next_period(period: date) -> date:
    return date(period.year + period.month // 12, period.month % 12 + 1, 1)


def previous_period(period: date) -> date:
    return date(period.year - (period.month == 1), (period.month - 2) % 12 + 1, 1)


def period_bounds(period: date, zone: zoneinfo.ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) of the month as aware datetimes."""
    zone = zone or brand_zone()
    start = datetime(period.year, period.month, 1, tzinfo=zone)
    end_day = next_period(period)
    return start, datetime(end_day.year, end_day.month, 1, tzinfo=zone)


def parse_period(value: str | None, default: date) -> date:
    """'2026-11' -> date(2026, 11, 1); anything else -> `default`."""
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return default


def closed_periods() -> frozenset[date]:
    return frozenset(SettlementPeriodClose.objects.values_list("period", flat=True))


def open_period_for(period: date, closed: frozenset[date]) -> date:
    """`period` if it is open, else the first open period after it."""
    while period in closed:
        period = next_period(period)
    return period


def settlement_period_close(*, actor: Actor, period: date) -> SettlementPeriodClose:
    """Close a month that is over (HQ admins only). Closing twice is refused."""
    require_roles(actor, Role.HQ_ADMIN)
    user_id = require_staff_user(actor)
    now = clock.now()
    if period.day != 1:
        raise ValidationFailed("A period is a month.", code="settlement_period_invalid")
    if period_bounds(period)[1] > now:
        raise ValidationFailed(
            "A period can be closed once it is over.", code="settlement_period_not_over"
        )
    try:
        with transaction.atomic():
            return SettlementPeriodClose.objects.create(
                period=period, closed_at=now, closed_by_id=user_id
            )
    except IntegrityError as exc:
        raise Conflict("This period is already closed.", code="settlement_period_closed") from exc
