"""The few SQL expressions that differ between PostgreSQL and SQLite in the import's statements.

Formats are checked with the same regular expressions on both (PostgreSQL's `~`, the `REGEXP`
function Django registers on SQLite). Time-zone conversion, calendar checks and hashing run in
PostgreSQL itself; on SQLite they are Python functions registered on the connection
(`register_sqlite_functions`), which accept exactly what the patterns accept."""

from __future__ import annotations

import hashlib
import re
import zoneinfo
from datetime import UTC, date, datetime, timedelta

from django.db import DatabaseError, connection, transaction

# ISO 8601 as imports accept it: a date, optionally a time (minutes, seconds, fractions) and an
# offset (Z, +08, +0800, +08:00). Without an offset the time is the store's local time.
DATETIME_RE = (
    "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9]([.][0-9]{1,6})?)?"
    "(Z|[+-](0[0-9]|1[0-5])(:?[0-5][0-9])?)?)?$"
)
OFFSET_RE = "[T ].*(Z|[+-][0-9]{2}(:?[0-9]{2})?)$"
DATE_RE = "^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
_DATETIME = re.compile(DATETIME_RE)
_DATE = re.compile(DATE_RE)


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def qn(name: str) -> str:
    return connection.ops.quote_name(name)


def matches(expr: str, pattern: str) -> str:
    """`expr` matches the fixed `pattern` (a constant from this package, never input)."""
    assert "'" not in pattern and "%" not in pattern, pattern
    op = "~" if is_postgres() else "REGEXP"
    return f"({expr} {op} '{pattern}')"


def fence() -> str:
    """Appended to a subquery in FROM, keeps the planner from pulling it up into the outer query
    (which would copy each of its expressions into every place that uses it): what the
    subquery computes is computed once per row."""
    return " OFFSET 0" if is_postgres() else " LIMIT -1 OFFSET 0"


def without_row_triggers(*tables: str) -> bool:
    """Stop this transaction's row triggers (the foreign keys' checks, queued per row until the
    commit) when the role may (`session_replication_role`: a superuser, or PostgreSQL 15's
    `GRANT SET ON PARAMETER`) and `tables` (names, unquoted) carry no trigger of their own
    beside the foreign keys' (a trigger someone adds later keeps running). The caller then does
    the foreign keys' work set-based (ADR 36) and calls `row_triggers_on` right after its
    inserts. False on SQLite, when not allowed, or when a table has its own trigger."""
    if not is_postgres():
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = ANY(CAST(%s AS regclass[])) "
            "AND NOT tgisinternal",
            [list(tables)],
        )
        if cursor.fetchone()[0]:
            return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def row_triggers_on() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = origin")


def distinct(a: str, b: str) -> str:
    """Null-safe inequality."""
    return f"({a} IS DISTINCT FROM {b})" if is_postgres() else f"({a} IS NOT {b})"


def _days_ok(expr: str) -> str:
    y, m, d = (f"CAST(substr({expr}, {i}, {n}) AS integer)" for i, n in ((1, 4), (6, 2), (9, 2)))
    # PostgreSQL only (SQLite checks in Python); mod(), as '%' would clash with placeholders.
    leap = f"((mod({y}, 4) = 0 AND mod({y}, 100) <> 0) OR mod({y}, 400) = 0)"
    last = (
        f"CASE {m} WHEN 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END "
        f"WHEN 4 THEN 30 WHEN 6 THEN 30 WHEN 9 THEN 30 WHEN 11 THEN 30 ELSE 31 END"
    )
    return f"({d} <= {last})"


def date_value(expr: str) -> str:
    """The date in `expr` (NULL when empty or not a real YYYY-MM-DD date)."""
    if is_postgres():
        ok = f"{matches(expr, DATE_RE)} AND {_days_ok(expr)}"
        return f"(CASE WHEN {ok} THEN CAST({expr} AS date) END)"
    return f"omniloop_date({expr})"


def datetime_value(expr: str, zone: str) -> str:
    """The instant in `expr` (NULL when empty or invalid): with an offset as given, without one
    in the time zone named by the SQL expression `zone`."""
    if is_postgres():
        ok = f"{matches(expr, DATETIME_RE)} AND {_days_ok(expr)}"
        aware = f"CAST({expr} AS timestamptz)"
        local = f"(CAST({expr} AS timestamp) AT TIME ZONE {zone})"
        return (
            f"(CASE WHEN {ok} THEN CASE WHEN {matches(expr, OFFSET_RE)} THEN {aware} "
            f"ELSE {local} END END)"
        )
    return f"omniloop_datetime({expr}, {zone})"


def plus_days(expr: str, days: int) -> str:
    """The datetime column `expr` plus a whole number of days (an int from our settings)."""
    days = int(days)
    if is_postgres():
        return f"({expr} + interval '{days} days')"
    return f"omniloop_plus_days({expr}, {days})"


def md5_hex(expr: str) -> str:
    return f"md5({expr})" if is_postgres() else f"omniloop_md5({expr})"


def concat(*parts: str) -> str:
    return "(" + " || ".join(parts) + ")"


# --- SQLite's Python twins -----------------------------------------------------------------------


def _sqlite_dt(value: datetime) -> str:
    """What Django stores on SQLite: naive UTC, ISO with a space."""
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def sqlite_datetime(raw: str | None, zone: str | None) -> str | None:
    if raw is None or not _DATETIME.match(raw):
        return None
    try:
        parsed = datetime.fromisoformat(raw)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=zoneinfo.ZoneInfo(zone or "UTC"))
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return None
    return _sqlite_dt(parsed)


def sqlite_date(raw: str | None) -> str | None:
    if raw is None or not _DATE.match(raw):
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        return None


def sqlite_plus_days(stored: str | None, days: int) -> str | None:
    if stored is None:
        return None
    return (datetime.fromisoformat(stored) + timedelta(days=days)).isoformat(" ")


def sqlite_md5(value: str | None) -> str | None:
    return None if value is None else hashlib.md5(value.encode(), usedforsecurity=False).hexdigest()


def register_sqlite_functions() -> None:
    connection.ensure_connection()
    raw = connection.connection
    raw.create_function("omniloop_datetime", 2, sqlite_datetime, deterministic=True)
    raw.create_function("omniloop_date", 1, sqlite_date, deterministic=True)
    raw.create_function("omniloop_plus_days", 2, sqlite_plus_days, deterministic=True)
    raw.create_function("omniloop_md5", 1, sqlite_md5, deterministic=True)
