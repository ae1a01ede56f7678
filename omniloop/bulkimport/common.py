"""Pieces the kinds share: duplicate refs, time zones as data, upsert counting."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.db import connection

from omniloop.bulkimport.dialect import qn
from omniloop.bulkimport.problems import MAX_LISTED, Problem, Problems
from omniloop.bulkimport.staging import Staging, temp_name
from omniloop.bulkimport.typed import analyze, execute, row_of, scalar

__all__ = ["analyze", "duplicates", "index_rows", "later_duplicates", "report", "zone_table"]


def later_duplicates(t: str, column: str) -> str:
    """SQL selecting `row_no, value` of the rows whose `column` appeared on an earlier row
    (a window over the typed table: one sort, not a comparison of every pair)."""
    c = qn(column)
    return (
        f"SELECT row_no, {c} FROM (SELECT row_no, {c}, ROW_NUMBER() OVER "  # noqa: S608
        f"(PARTITION BY {c} ORDER BY row_no) AS n FROM {t} WHERE {c} IS NOT NULL) d "
        "WHERE d.n > 1"
    )


def duplicates(staging: Staging, t: str, column: str, source: str, problems: Problems) -> None:
    """Rows whose `column` (a ref) appeared on an earlier row: a file names each record once."""
    dups = f"FROM ({later_duplicates(t, column)}) x"
    report(staging, dups, "x.row_no", f"x.{qn(column)}", source, "duplicate_ref", problems)


def report(
    staging: Staging,
    rows: str,
    row_no: str,
    shown: str | None,
    column: str,
    code: str,
    problems: Problems,
) -> None:
    """Count the rows of `rows` (a fixed `FROM ... WHERE ...` of our code) as problems `code`
    in `column` and list the first ones by `row_no`, showing `shown` (None: never echo)."""
    n = int(scalar(f"SELECT COUNT(*) {rows}") or 0)
    if not n:
        return
    problems.count(n)
    value = shown or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {row_no}, {value} {rows} ORDER BY 1 LIMIT {MAX_LISTED}")
        for at, found in cursor.fetchall():
            text = "" if found is None else str(found)
            problems.add(Problem(row_of(staging, at), column, code, text))


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
