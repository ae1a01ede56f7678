"""From the staging table to a typed one, in one statement: each column parsed (NULL when empty
or invalid) and, beside it, the reason it is wrong (`e_<column>`, NULL when fine), with the
references resolved by joins. Problems are then read from the typed table with set-based
queries, listed up to a cap and counted in full."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, models

from omniloop.bulkimport.dialect import fence, is_postgres, qn
from omniloop.bulkimport.problems import MAX_LISTED, MAX_REFS, UNKNOWN, Problem, Problems
from omniloop.bulkimport.staging import Staging, temp_name

AMOUNT_RE = "^[0-9]{1,10}([.][0-9]{1,2})?$"
INTEGER_RE = "^[0-9]{1,9}$"
COORD_RE = "^-?[0-9]{1,3}([.][0-9]{1,6})?$"
SLUG_RE = "^[-a-zA-Z0-9_]+$"


@dataclass(frozen=True)
class Col:
    """One typed column: `value` (SQL over the staging alias `s` and the joins) and `error`
    (SQL CASE giving a problem code, over the same), reported against `source`."""

    name: str
    value: str
    error: str | None = None
    source: str = ""
    secret: bool = False  # never echo the value (phones)
    final: str | None = None  # `build_once` only: the stored value over `v` (default `v.<name>`)


def required(raw: str, max_length: int | None = None) -> str:
    long = f" WHEN length({raw}) > {int(max_length)} THEN 'too_long'" if max_length else ""
    return f"CASE WHEN {raw} IS NULL THEN 'required'{long} END"


def max_length(model: type[models.Model], field: str) -> int:
    length = model._meta.get_field(field).max_length  # type: ignore[union-attr]
    assert length, (model, field)
    return int(length)


def build(
    staging: Staging, cols: Sequence[Col], joins: str = "", params: Sequence[Any] = ()
) -> str:
    """CREATE the typed table; `params` are the joins' and expressions' parameters in order."""
    name = qn(temp_name("t"))
    select = ", ".join(
        ["s.row_no AS row_no"]
        + [f"{c.value} AS {qn(c.name)}" for c in cols]
        + [f"{c.error} AS {qn('e_' + c.name)}" for c in cols if c.error]
    )
    sql = f"CREATE TEMP TABLE {name} AS SELECT {select} FROM {staging.table} s {joins}"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
    analyze(name)
    return name


def build_once(
    staging: Staging, cols: Sequence[Col], joins: str = "", params: Sequence[Any] = ()
) -> str:
    """`build`, with each expression evaluated once per row (ADR 36). Three layers, each kept
    from being merged into the next (`fence`): the staging row trimmed (`s.<column>`, NULL when
    empty); the values (`Col.value`, over `s` and the joins); the reasons (`Col.error`, over
    the values as `v.<name>` and the trimmed cells as `v.r_<column>`). `build` repeats a value's
    parse in its error (a date's pattern and calendar check up to four times), which cost more
    than everything else in the statement."""
    name = qn(temp_name("t"))
    trimmed = ", ".join(f"{staging.col(c)} AS {qn(c)}" for c in staging.columns)
    first = f"SELECT s.row_no AS row_no, {trimmed} FROM {staging.table} s{fence()}"  # noqa: S608
    values = ", ".join(
        ["s.row_no AS row_no"]
        + [f"{c.value} AS {qn(c.name)}" for c in cols]
        + [f"s.{qn(c)} AS {qn('r_' + c)}" for c in staging.columns]
    )
    second = f"SELECT {values} FROM ({first}) s {joins}{fence()}"  # noqa: S608
    select = ", ".join(
        ["v.row_no AS row_no"]
        + [f"{c.final or 'v.' + qn(c.name)} AS {qn(c.name)}" for c in cols]
        + [f"{c.error} AS {qn('e_' + c.name)}" for c in cols if c.error]
    )
    sql = f"CREATE TEMP TABLE {name} AS SELECT {select} FROM ({second}) v"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
    analyze(name)
    return name


def analyze(table: str) -> None:
    """Temporary tables get no statistics from autovacuum; without them PostgreSQL plans the
    joins on them as if they held a handful of rows (nested loops over millions)."""
    if is_postgres():
        execute(f"ANALYZE {table}")


def collect(staging: Staging, table: str, cols: Iterable[Col], problems: Problems) -> None:
    """Add the typed table's problems: counts per column, the first rows, unknown refs."""
    checked = [c for c in cols if c.error]
    if not checked:
        return
    err = [qn("e_" + c.name) for c in checked]
    counts = ", ".join(f"SUM(CASE WHEN {e} IS NULL THEN 0 ELSE 1 END)" for e in err)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts} FROM {table}")  # noqa: S608
        found = [int(n or 0) for n in cursor.fetchone()]
        if not any(found):
            return
        problems.count(sum(found))
        raw = ", ".join(f"s.{qn(c.source)}" for c in checked)
        errs = ", ".join(f"t.{e}" for e in err)
        any_err = " OR ".join(f"t.{e} IS NOT NULL" for e in err)
        cursor.execute(
            f"SELECT t.row_no, {errs}, {raw} FROM {table} t "  # noqa: S608
            f"JOIN {staging.table} s ON s.row_no = t.row_no WHERE {any_err} "
            f"ORDER BY t.row_no LIMIT {MAX_LISTED}"
        )
        for row in cursor.fetchall():
            codes, values = row[1 : 1 + len(checked)], row[1 + len(checked) :]
            for col, code, value in zip(checked, codes, values, strict=True):
                if code:
                    shown = "" if col.secret or value is None else str(value).strip()[:80]
                    problems.add(Problem(row_of(staging, row[0]), col.source, code, shown))
        for col, n in zip(checked, found, strict=True):
            if not n:
                continue
            for code in UNKNOWN:
                _unknown(cursor, staging, table, col, code, problems)


def _unknown(
    cursor: Any, staging: Staging, table: str, col: Col, code: str, problems: Problems
) -> None:
    src = f"TRIM(s.{qn(col.source)})"
    base = (
        f"FROM {table} t JOIN {staging.table} s ON s.row_no = t.row_no "
        f"WHERE t.{qn('e_' + col.name)} = %s"
    )
    cursor.execute(f"SELECT COUNT(DISTINCT {src}) {base}", [code])
    total = cursor.fetchone()[0]
    if not total:
        return
    cursor.execute(f"SELECT DISTINCT {src} {base} ORDER BY 1 LIMIT {MAX_REFS}", [code])
    problems.unknown_refs(col.source, [r[0] for r in cursor.fetchall()], total)


def row_of(staging: Staging, row_no: int) -> int:
    return int(row_no) + staging.row_base


def insert_sql(model: type[models.Model], values: dict[str, str]) -> tuple[str, str]:
    """The column list and value list of an INSERT into `model`'s table, every concrete
    column but the primary key given (a field added to the model later fails loudly here)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    missing = [f.name for f in fields if f.name not in values]
    extra = set(values) - {f.name for f in fields}
    assert not missing and not extra, (model, missing, extra)
    cols = ", ".join(qn(f.column) for f in fields)
    exprs = ", ".join(values[f.name] for f in fields)
    return cols, exprs


def table_of(model: type[models.Model]) -> str:
    return qn(model._meta.db_table)


def column_of(model: type[models.Model], field: str) -> str:
    column = model._meta.get_field(field).column  # type: ignore[union-attr]
    assert isinstance(column, str), (model, field)
    return qn(column)


def execute(sql: str, params: Sequence[Any] = ()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        return int(cursor.rowcount)


def scalar(sql: str, params: Sequence[Any] = ()) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        row = cursor.fetchone()
    return row[0] if row else None
