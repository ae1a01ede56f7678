"""Loading a file into a temporary staging table of text columns, one row per record, in file
order (`row_no` 1, 2, ...), without parsing anything in Python on PostgreSQL.

PostgreSQL: a CSV file's bytes after the header go to `COPY ... FROM STDIN (FORMAT csv)` as
they are read (1 MiB at a time); a Parquet file goes one row group at a time, each turned into
CSV by pyarrow. SQLite: rows are read with the csv module (or from Parquet batches) and inserted
with `executemany` in chunks. Memory stays bounded by one chunk either way."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import DataError, connection, transaction

from omniloop.bulkimport.dialect import is_postgres, qn
from omniloop.bulkimport.problems import Problem, Problems
from omniloop.bulkimport.specs import Spec
from omniloop.core.errors import ValidationFailed

CHUNK_BYTES = 1 << 20
CHUNK_ROWS = 5000
Progress = Callable[[int, int], None]  # (done, total) in bytes (CSV) or rows (Parquet)


@dataclass
class Staging:
    table: str  # quoted name
    columns: tuple[str, ...]  # canonical columns, all present (missing ones stay NULL)
    row_base: int  # add to row_no for the row number people see (1 for CSV: the header)
    rows: int = 0

    def col(self, name: str, alias: str = "s") -> str:
        """The trimmed value, NULL when empty."""
        return f"NULLIF(TRIM({alias}.{qn(name)}), '')"


def temp_name(prefix: str) -> str:
    return f"bulk_{prefix}_{secrets.token_hex(4)}"


def _header_map(header: list[str], spec: Spec) -> list[str | None]:
    """Each file column's canonical name, or None for a column we ignore."""
    wanted = set(spec.columns)
    names = [h.strip().lstrip("\ufeff").lower() for h in header]
    missing = [c for c in spec.required if c not in names]
    if missing:
        raise ValidationFailed(
            f"The file lacks the required column(s) {', '.join(missing)}.",
            code="import_columns_missing",
            extra={"missing": missing, "found": names},
        )
    seen: set[str] = set()
    out: list[str | None] = []
    for name in names:
        out.append(name if name in wanted and name not in seen else None)
        seen.add(name)
    return out


def _create(spec: Spec, file_cols: list[str | None], row_base: int) -> tuple[Staging, list[str]]:
    """Create the table: row_no, the canonical columns, one `x<i>` per ignored file column.
    Returns the staging table and the table columns in file order (for COPY)."""
    name = qn(temp_name("s"))
    extras = [f"x{i}" for i, c in enumerate(file_cols) if c is None]
    cols = [*spec.columns, *extras]
    row_no = (
        "row_no bigint GENERATED ALWAYS AS IDENTITY"
        if is_postgres()
        else "row_no INTEGER PRIMARY KEY"
    )
    body = ", ".join([row_no, *(f"{qn(c)} text" for c in cols)])
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {name} ({body})")
    in_file = [c if c is not None else f"x{i}" for i, c in enumerate(file_cols)]
    return Staging(table=name, columns=spec.columns, row_base=row_base), in_file


def load(spec: Spec, path: Path, problems: Problems, progress: Progress | None) -> Staging:
    if path.suffix.lower() in (".parquet", ".pq"):
        return _load_parquet(spec, path, problems, progress)
    return _load_csv(spec, path, problems, progress)


# --- CSV -----------------------------------------------------------------------------------------


def _load_csv(spec: Spec, path: Path, problems: Problems, progress: Progress | None) -> Staging:
    total = path.stat().st_size
    with path.open("rb") as f:
        first = f.readline()
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]))
        except (UnicodeDecodeError, StopIteration) as exc:
            raise ValidationFailed(
                "The file has no UTF-8 header row.", code="import_header_missing"
            ) from exc
        staging, in_file = _create(spec, _header_map(header, spec), row_base=1)
        if is_postgres():
            _copy_csv(staging, in_file, f, len(first), total, problems, progress)
        else:
            text = io.TextIOWrapper(f, encoding="utf-8", newline="")
            _insert_rows(staging, in_file, _csv_rows(text, len(in_file), problems), problems)
            if progress:
                progress(total, total)
    return staging


def _copy_csv(
    staging: Staging,
    in_file: list[str],
    f: Any,
    done: int,
    total: int,
    problems: Problems,
    progress: Progress | None,
) -> None:
    import psycopg

    cols = ", ".join(qn(c) for c in in_file)
    sql = f"COPY {staging.table} ({cols}) FROM STDIN (FORMAT csv)"
    try:
        # A savepoint: a malformed record aborts the COPY, not the import's transaction.
        with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            while chunk := f.read(CHUNK_BYTES):
                copy.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    except (DataError, psycopg.DataError) as exc:
        problems.add(_copy_problem(exc))
        problems.count(1)
        return
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {staging.table}")  # noqa: S608
        staging.rows = cursor.fetchone()[0]
        cursor.execute(f"ANALYZE {staging.table}")


def _copy_problem(exc: Exception) -> Problem:
    """PostgreSQL stops at the first malformed record and says where ("line 7" of the data,
    which starts after the header)."""
    diag = getattr(exc, "diag", None) or getattr(exc.__cause__, "diag", None)
    context = (getattr(diag, "context", "") or "") if diag else ""
    row = None
    if ", line " in context:
        digits = context.split(", line ", 1)[1].split(":", 1)[0].split(",", 1)[0]
        row = int(digits) + 1 if digits.isdigit() else None
    sqlstate = getattr(diag, "sqlstate", "") if diag else ""
    code = "encoding" if sqlstate == "22021" else "field_count"
    return Problem(row=row, column="", code=code)


def _csv_rows(text: io.TextIOWrapper, width: int, problems: Problems) -> Iterator[list[str]]:
    reader = csv.reader(text)
    try:
        for i, row in enumerate(reader, start=2):
            if len(row) != width:
                if row:  # a blank line is not a record
                    problems.add(Problem(row=i, column="", code="field_count"))
                    problems.count(1)
                continue
            yield row
    except UnicodeDecodeError:
        problems.add(Problem(row=None, column="", code="encoding"))
        problems.count(1)


def _insert_rows(
    staging: Staging, in_file: list[str], rows: Iterator[list[Any]], problems: Problems
) -> None:
    cols = ", ".join(qn(c) for c in in_file)
    marks = ", ".join(["%s"] * len(in_file))
    sql = f"INSERT INTO {staging.table} ({cols}) VALUES ({marks})"  # noqa: S608
    batch: list[list[Any]] = []
    with connection.cursor() as cursor:
        for row in rows:
            batch.append(row)
            if len(batch) >= CHUNK_ROWS:
                cursor.executemany(sql, batch)
                staging.rows += len(batch)
                batch = []
        if batch:
            cursor.executemany(sql, batch)
            staging.rows += len(batch)


# --- Parquet -------------------------------------------------------------------------------------


def _load_parquet(spec: Spec, path: Path, problems: Problems, progress: Progress | None) -> Staging:
    try:
        import pyarrow as pa
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq
    except ImportError as exc:  # an optional dependency: pip install 'omniloop[parquet]'
        raise ValidationFailed(
            "Reading Parquet needs pyarrow (pip install 'omniloop[parquet]').",
            code="import_parquet_unavailable",
        ) from exc
    pf = pq.ParquetFile(path)
    names = list(pf.schema_arrow.names)
    file_cols = _header_map(names, spec)
    staging, in_file = _create(spec, file_cols, row_base=0)
    total, done = pf.metadata.num_rows, 0

    def as_text(batch: Any) -> Any:
        arrays = []
        for column in batch.columns:
            if pa.types.is_timestamp(column.type):
                column = column.cast(pa.timestamp("us", column.type.tz))
            arrays.append(column.cast(pa.string()))
        return pa.Table.from_arrays(arrays, names=in_file)

    if is_postgres():
        cols = ", ".join(qn(c) for c in in_file)
        sql = f"COPY {staging.table} ({cols}) FROM STDIN (FORMAT csv)"
        options = pacsv.WriteOptions(include_header=False)
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for group in range(pf.num_row_groups):
                table = as_text(pf.read_row_group(group))
                buf = io.BytesIO()
                pacsv.write_csv(table, buf, options)
                copy.write(buf.getvalue())
                done += table.num_rows
                if progress:
                    progress(done, total)
        staging.rows = done
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {staging.table}")
    else:

        def rows() -> Iterator[list[Any]]:
            nonlocal done
            for batch in pf.iter_batches(batch_size=CHUNK_ROWS):
                table = as_text(batch)
                columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
                yield from (list(r) for r in zip(*columns, strict=True))
                done += table.num_rows
                if progress:
                    progress(done, total)

        _insert_rows(staging, in_file, rows(), problems)
    return staging


def drop(*tables: str) -> None:
    with connection.cursor() as cursor:
        for t in tables:
            cursor.execute(f"DROP TABLE IF EXISTS {t}")
