"""Pieces the kinds share: duplicate refs, time zones as data, upsert counting."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.db import connection

from omniloop.bulkimport.dialect import qn
from omniloop.bulkimport.problems import MAX_LISTED, Problem, Problems
from omniloop.bulkimport.staging import Staging, temp_name
from omniloop.bulkimport.typed import execute, row_of, scalar


def duplicates(staging: Staging, t: str, column: str, source: str, problems: Problems) -> None:
    """Rows whose `column` (a ref) appeared on an earlier row: a file names each record once."""
    where = (
        f"t.{qn(column)} IS NOT NULL AND EXISTS (SELECT 1 FROM {t} d "  # noqa: S608
        f"WHERE d.{qn(column)} = t.{qn(column)} AND d.row_no < t.row_no)"
    )
    n = int(scalar(f"SELECT COUNT(*) FROM {t} t WHERE {where}") or 0)  # noqa: S608
    if not n:
        return
    problems.count(n)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.row_no, t.{qn(column)} FROM {t} t WHERE {where} "  # noqa: S608
            f"ORDER BY t.row_no LIMIT {MAX_LISTED}"
        )
        for row_no, value in cursor.fetchall():
            problems.add(Problem(row_of(staging, row_no), source, "duplicate_ref", str(value)))


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(zoneinfo.available_timezones()))


def zone_table() -> str:
    """A temporary one-column table of the IANA zones Python knows (what `Store` validates)."""
    name = qn(temp_name("z"))
    execute(f"CREATE TEMP TABLE {name} (name text PRIMARY KEY)")
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {name} (name) VALUES (%s)",  # noqa: S608
            [(z,) for z in _zones()],
        )
    return name


def index_rows(t: str) -> None:
    execute(f"CREATE INDEX {qn(temp_name('i'))} ON {t} (row_no)")
