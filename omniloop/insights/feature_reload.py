# ruff: noqa: S608 (SQL text built from fixed fragments and the catalog's own index definitions)
"""The full rebuild's write on PostgreSQL: every row replaced as a bulk load (ADR 48).

Updating a million rows in place costs each row a new version and an entry in every index
(13 s at 1M members); inserting them into the indexed table costs nearly as much. Instead the
CLV scorer's columns are set aside in a temporary table; then, under an exclusive lock held to
the end of the rebuild's transaction, the table is truncated, its secondary indexes are
dropped, the rows are inserted and the indexes are built again from their own
catalog definitions (so a migration that adds or changes an index is followed without editing
this file). Readers of the table wait for that part (seconds, once a day) and then see the new
rows; a failure rolls all of it back."""

from __future__ import annotations

from typing import Any

from omniloop.insights.feature_sql import FEATURE_COLUMNS

TABLE = "insights_memberfeatures"
SAVED = "insights_feature_saved"  # the CLV columns while the table is reloaded
KEPT = ("p_alive", "clv_365d")  # the CLV scorer's columns, not the rebuild's

_SECONDARY_INDEXES = f"""
SELECT indexname, indexdef FROM pg_indexes
WHERE schemaname = current_schema() AND tablename = '{TABLE}'
  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = '{TABLE}'::regclass)
ORDER BY indexname"""


def features_reload(cur: Any, select_sql: str, values: dict[str, Any]) -> None:
    """Replace every row of the feature table with the rows of `select_sql` (which yields
    `FEATURE_COLUMNS`), keeping each member's CLV columns. `cur` is a cursor inside the
    rebuild's transaction."""
    kept = ", ".join(KEPT)
    cur.execute(
        f"CREATE TEMPORARY TABLE {SAVED} ON COMMIT DROP AS SELECT member_id, {kept} FROM {TABLE}"
        f" WHERE {' OR '.join(f'{c} IS NOT NULL' for c in KEPT)}"
    )
    cur.execute(_SECONDARY_INDEXES)
    indexes = cur.fetchall()
    cur.execute(f"LOCK TABLE {TABLE} IN ACCESS EXCLUSIVE MODE")
    cur.execute(f"TRUNCATE {TABLE}")
    for name, _definition in indexes:
        cur.execute(f'DROP INDEX "{name}"')
    new_cols = ", ".join(f"n.{c}" for c in FEATURE_COLUMNS)
    saved = ", ".join(f"s.{c}" for c in KEPT)
    cur.execute(
        f"INSERT INTO {TABLE} ({', '.join(FEATURE_COLUMNS)}, {kept})"
        f" SELECT {new_cols}, {saved} FROM ({select_sql}) n"
        f" LEFT JOIN {SAVED} s ON s.member_id = n.member_id",
        values,
    )
    for _name, definition in indexes:
        cur.execute(definition)
    cur.execute(f"DROP TABLE {SAVED}")
    cur.execute(f"ANALYZE {TABLE}")
