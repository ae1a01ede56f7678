"""Store-local weekday and hour on SQLite, which has no time zones: two deterministic functions
registered on every SQLite connection (PostgreSQL uses `AT TIME ZONE`)."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def _local(value: str | None, tz: str | None) -> datetime | None:
    if value is None or tz is None:
        return None
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(_zone(tz))


def local_isodow(value: str | None, tz: str | None) -> int | None:
    local = _local(value, tz)
    return None if local is None else local.isoweekday()


def local_hour(value: str | None, tz: str | None) -> int | None:
    local = _local(value, tz)
    return None if local is None else local.hour


def install_sqlite_functions(sender: Any, connection: Any, **kwargs: Any) -> None:
    if connection.vendor != "sqlite":
        return
    raw = connection.connection
    raw.create_function("ol_local_isodow", 2, local_isodow, deterministic=True)
    raw.create_function("ol_local_hour", 2, local_hour, deterministic=True)
