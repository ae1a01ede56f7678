"""Reading `--as-of` from the command line."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime

from omniloop.core.errors import ValidationFailed


def as_of_parse(text: str, *, tz: zoneinfo.ZoneInfo) -> date | datetime:
    """An ISO 8601 date, kept as a date (the end of that day in each store's local time, see
    `summaries.clv_summaries`), or a datetime as an aware instant (read in `tz` without an
    offset)."""
    text = text.strip()
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(
            f"--as-of {text!r} is not an ISO 8601 date or datetime.", code="as_of_invalid"
        ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)
