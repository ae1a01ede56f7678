"""`bulk_import(kind, path)`: a whole file or nothing (ADR 22).

1. The file is streamed into a temporary staging table (`staging`: COPY on PostgreSQL).
2. One statement turns it into a typed table: every value parsed, every reference resolved by
   a join, the reason for each bad value beside it (`typed`); phones are the exception,
   parsed and sealed in Python a chunk at a time (`members`).
3. Set-based checks add what a single row cannot tell (duplicates, orders whose lines disagree,
   phones of other members). Any problem: nothing is written; the report lists rows, columns,
   reasons and unknown references, capped, with totals.
4. Set-based upserts by ref: UPDATE what the file changes, INSERT what is new; a second import
   of the same file finds nothing to change.

Everything runs in one transaction; the temporary tables are dropped at the end."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from django.db import DatabaseError, connection, transaction

from omniloop.bulkimport.dialect import is_postgres, register_sqlite_functions
from omniloop.bulkimport.members import import_members
from omniloop.bulkimport.orders import import_orders
from omniloop.bulkimport.problems import Problems
from omniloop.bulkimport.products import import_products
from omniloop.bulkimport.specs import SPECS
from omniloop.bulkimport.staging import Progress, Staging, drop, load
from omniloop.bulkimport.stores import import_stores
from omniloop.bulkimport.values import ImportResult
from omniloop.core.errors import ValidationFailed

KINDS: dict[str, Callable[[Staging, Problems], ImportResult | None]] = {
    "stores": import_stores,
    "products": import_products,
    "members": import_members,
    "orders": import_orders,
}
Phase = Callable[[str], None]
WORK_MEM = "256MB"  # PostgreSQL's memory per hash or sort, not this process's
TEMP_BUFFERS = "512MB"


def bulk_import(
    *,
    kind: str,
    path: Path | str,
    progress: Progress | None = None,
    phase: Phase | None = None,
) -> ImportResult:
    """Import one file of `kind`; raises `ValidationFailed` (`import_rejected`, with the
    problems in `extra`) and writes nothing when any row is wrong."""
    if kind not in KINDS:
        raise ValidationFailed(
            f"Unknown kind {kind!r}; one of {', '.join(KINDS)}.", code="import_kind_unknown"
        )
    path = Path(path)
    if not path.is_file():
        raise ValidationFailed(f"No file {path}.", code="import_file_missing")
    started = time.monotonic()
    problems = Problems()
    with transaction.atomic():
        if is_postgres():
            _tune_session()
        else:
            register_sqlite_functions()
        if phase:
            phase("reading")
        staging = load(SPECS[kind], path, problems, progress)
        try:
            if problems:
                raise problems.reject()
            if phase:
                phase("checking and applying")
            result = KINDS[kind](staging, problems)
            if result is None:
                raise problems.reject()
        finally:
            drop(staging.table)
    result.seconds = round(time.monotonic() - started, 3)
    return result


def _tune_session() -> None:
    """For this transaction only: no JIT (compiling the typed table's long expression list
    costs seconds and saves nothing on a single scan), room for hash joins and sorts in memory,
    and (when the session has not touched a temporary table yet) larger temporary buffers."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        try:
            with transaction.atomic():
                cursor.execute(f"SET LOCAL temp_buffers = '{TEMP_BUFFERS}'")
        except DatabaseError:
            pass  # only settable before the session's first temporary table
