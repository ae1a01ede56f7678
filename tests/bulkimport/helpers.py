"""Files for import tests: CSV and Parquet written from the same rows."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from omniloop.bulkimport.service import bulk_import
from omniloop.bulkimport.values import ImportResult
from omniloop.core.errors import ValidationFailed


def write(path: Path, header: list[str], rows: list[list[Any]]) -> Path:
    """CSV by default; a .parquet path gets a Parquet file of string columns (None = null)."""
    if path.suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {
            h: pa.array([None if r[i] in (None, "") else str(r[i]) for r in rows], pa.string())
            for i, h in enumerate(header)
        }
        pq.write_table(pa.table(columns), path, row_group_size=3)
        return path
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(["" if v is None else v for v in r] for r in rows)
    return path


def run(kind: str, path: Path) -> ImportResult:
    return bulk_import(kind=kind, path=path)


def rejected(kind: str, path: Path) -> dict[str, Any]:
    with pytest.raises(ValidationFailed) as info:
        bulk_import(kind=kind, path=path)
    assert info.value.code == "import_rejected", info.value.message
    return info.value.extra


def codes(extra: dict[str, Any]) -> set[tuple[int | None, str, str]]:
    return {(p["row"], p["column"], p["code"]) for p in extra["problems"]}


FORMATS = pytest.mark.parametrize("suffix", [".csv", ".parquet"])
