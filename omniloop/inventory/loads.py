"""Loading counts from a till or the ERP: a snapshot (`replace`: the listed SKUs now hold these
counts) or deltas (`delta`: add these changes). All rows or none.

Invariants:
- Every row is validated before anything is written; a bad row refuses the whole load with
  every problem by index (`stock_rows_invalid`).
- On hand never drops below what is reserved: rows are written by conditional UPDATEs
  (`WHERE reserved <= new on_hand`, 150 rows a statement), so a reservation taken while the
  load runs is either counted or makes the load refuse (`stock_below_reserved`, naming the
  SKU); a refused load rolls back every row it had written.

Lock order (shared with `reservations`): stock rows in (store, sku) order. A load locks its
rows first (SELECT ... FOR UPDATE) only to log exact changes and to name short rows; the
batched conditional UPDATE's WHERE decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.db.models import Q

from omniloop.catalog.models import Sku
from omniloop.core import clock
from omniloop.core.errors import Conflict, ValidationFailed
from omniloop.inventory.models import MovementKind, StockLevel, StockMovement, StockSource
from omniloop.inventory.values import (
    LOAD_MODES,
    MAX_LOAD_ROWS,
    MAX_ON_HAND,
    LoadResult,
    RowProblem,
    StockRow,
    below_reserved,
    rows_invalid,
)
from omniloop.stores.models import Store

_CHUNK = 1000
_WRITE_BATCH = 150  # rows per UPDATE: ~5 parameters a row, under SQLite's old 999 limit


@dataclass(frozen=True, slots=True)
class _Resolved:
    index: int
    store_id: int
    store_code: str
    sku_id: int
    sku_code: str
    quantity: int

    @property
    def key(self) -> tuple[int, int]:
        return (self.store_id, self.sku_id)


def stock_load(
    *,
    store: Store,
    rows: Sequence[StockRow],
    source: str,
    mode: str = "replace",
    at: datetime | None = None,
) -> LoadResult:
    """Load one store's counts (a till's snapshot or deltas). A row naming another store is
    refused (`store_mismatch`): a till loads its own store only."""
    return _load(rows, {store.code: store}, store, source, mode, at)


def stock_load_many(
    *, rows: Sequence[StockRow], source: str, mode: str = "replace", at: datetime | None = None
) -> LoadResult:
    """Load counts for any stores (an ERP or HQ file): every row names its store by code."""
    codes = {r.store for r in rows if r.store}
    stores = {s.code: s for s in Store.objects.filter(code__in=codes)}
    return _load(rows, stores, None, source, mode, at)


def _load(
    rows: Sequence[StockRow],
    stores: dict[str, Store],
    default: Store | None,
    source: str,
    mode: str,
    at: datetime | None,
) -> LoadResult:
    if mode not in LOAD_MODES:
        raise ValidationFailed("mode is replace or delta.", code="mode_invalid")
    if source not in StockSource.values:
        raise ValidationFailed("Unknown stock source.", code="source_invalid")
    if not rows:
        raise ValidationFailed("A load needs at least one row.", code="stock_rows_empty")
    if len(rows) > MAX_LOAD_ROWS:
        raise ValidationFailed(
            f"At most {MAX_LOAD_ROWS} rows in one load.", code="stock_rows_too_many"
        )
    problems: list[RowProblem] = []
    resolved = _resolve(rows, stores, default, mode, problems)
    if problems:
        raise rows_invalid(problems)
    return _apply(resolved, source, mode, at or clock.now())


def _sku_index(refs: set[str]) -> dict[str, tuple[int, str]]:
    """sku_code or barcode -> (sku id, sku_code); a code wins over another SKU's barcode."""
    found: dict[str, tuple[int, str]] = {}
    by_barcode: dict[str, tuple[int, str]] = {}
    ordered = sorted(refs)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        for pk, code, barcode in Sku.objects.filter(
            Q(sku_code__in=chunk) | Q(barcode__in=chunk)
        ).values_list("pk", "sku_code", "barcode"):
            found[code] = (pk, code)
            by_barcode[barcode] = (pk, code)
    return {**by_barcode, **found}


def _store_of(
    i: int, row: StockRow, stores: dict[str, Store], default: Store | None
) -> Store | RowProblem:
    if row.store is None:
        if default is None:
            return RowProblem(i, "store_required", "store", "Name the store.", str(row.sku))
        return default
    store = stores.get(row.store)
    if store is not None:
        return store
    if default is not None:
        return RowProblem(
            i,
            "store_mismatch",
            "store",
            "This load is for one store only.",
            str(row.sku),
            row.store,
        )
    return RowProblem(i, "store_unknown", "store", "No such store.", str(row.sku), row.store)


def _resolve(
    rows: Sequence[StockRow],
    stores: dict[str, Store],
    default: Store | None,
    mode: str,
    problems: list[RowProblem],
) -> list[_Resolved]:
    skus = _sku_index({r.sku for r in rows if isinstance(r.sku, str) and r.sku})
    low = 0 if mode == "replace" else -MAX_ON_HAND
    out: list[_Resolved] = []
    seen: dict[tuple[int, int], int] = {}
    for i, r in enumerate(rows):
        found: list[RowProblem] = []
        store = _store_of(i, r, stores, default)
        if isinstance(store, RowProblem):
            found.append(store)
        sku = skus.get(r.sku) if isinstance(r.sku, str) else None
        if sku is None:
            found.append(
                RowProblem(i, "sku_unknown", "sku", "No SKU has this code or barcode.", str(r.sku))
            )
        if type(r.on_hand) is not int or not low <= r.on_hand <= MAX_ON_HAND:
            what = "a whole number from 0" if mode == "replace" else "a whole number from -1000000"
            found.append(
                RowProblem(i, "on_hand_invalid", "on_hand", f"Give {what} to 1000000.", str(r.sku))
            )
        if found or isinstance(store, RowProblem) or sku is None:
            problems.extend(found)
            continue
        item = _Resolved(i, store.pk, store.code, sku[0], sku[1], r.on_hand)
        if item.key in seen:
            problems.append(
                RowProblem(
                    i,
                    "row_duplicate",
                    "sku",
                    f"Same store and SKU as row {seen[item.key]}.",
                    sku[1],
                    store.code,
                )
            )
            continue
        seen[item.key] = i
        out.append(item)
    return out


def _apply(resolved: list[_Resolved], source: str, mode: str, now: datetime) -> LoadResult:
    resolved.sort(key=lambda r: r.key)
    keys = [r.key for r in resolved]
    with transaction.atomic():
        before = _levels(keys)
        missing = [k for k in keys if k not in before]
        StockLevel.objects.bulk_create(
            [StockLevel(store_id=s, sku_id=k, updated_at=now) for s, k in missing],
            ignore_conflicts=True,  # a concurrent load may create the same row: it is ours too
            batch_size=_CHUNK,
        )
        if missing:
            before = _levels(keys)  # locked, in key order, now that every row exists
        refused = False
        for start in range(0, len(resolved), _WRITE_BATCH):
            batch = resolved[start : start + _WRITE_BATCH]
            refused |= _write(batch, before, source, mode, now) != len(batch)
        if refused:  # raising rolls back every row written above
            problems = _shortfalls(resolved, before, mode)
            if not problems:  # pragma: no cover - the locked read and the UPDATE agree
                raise Conflict("Stock changed during the load; retry.", code="stock_changed")
            raise below_reserved(problems)
        movements = [
            StockMovement(
                store_id=r.store_id,
                sku_id=r.sku_id,
                at=now,
                source=source,
                kind=MovementKind.LOAD if mode == "replace" else MovementKind.ADJUST,
                on_hand_change=change,
            )
            for r in resolved
            if (change := _change(r, before[r.key][1], mode))
        ]
        StockMovement.objects.bulk_create(movements, batch_size=_CHUNK)
    return LoadResult(
        rows=len(resolved),
        created=len(missing),
        changed=len(movements),
        unchanged=len(resolved) - len(movements),
    )


def _change(r: _Resolved, old_on_hand: int, mode: str) -> int:
    return r.quantity - old_on_hand if mode == "replace" else r.quantity


_T = StockLevel._meta.db_table
_ON_HAND = {"replace": "{case}", "delta": "on_hand + {case}"}
_FITS = {"replace": "reserved <= {case}", "delta": "on_hand + {case} >= reserved"}


def _write(
    batch: list[_Resolved],
    before: dict[tuple[int, int], tuple[int, int, int]],
    source: str,
    mode: str,
    now: datetime,
) -> int:
    """One conditional UPDATE for a batch of rows; returns how many matched. A row is written
    only if it stays at or above its reserved units as the newest row version has them:
    `SET on_hand = CASE id WHEN ... END WHERE id IN (...) AND reserved <= CASE id ... END`.
    Fixed SQL (ADR 12; measured: the ORM's Case/When took 13 s of CPU for 5,000 rows)."""
    case = "CASE id " + " ".join(["WHEN %s THEN %s"] * len(batch)) + " END"
    pairs = [v for r in batch for v in (before[r.key][0], r.quantity)]
    pks = [before[r.key][0] for r in batch]
    sql = (
        f"UPDATE {_T} SET on_hand = {_ON_HAND[mode].format(case=case)},"  # noqa: S608
        " source = %s, loaded_at = %s, updated_at = %s"
        f" WHERE id IN ({', '.join(['%s'] * len(pks))}) AND {_FITS[mode].format(case=case)}"
    )
    at = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*pairs, source, at, at, *pks, *pairs])
        return int(cursor.rowcount)


def _shortfalls(
    resolved: list[_Resolved], before: dict[tuple[int, int], tuple[int, int, int]], mode: str
) -> list[RowProblem]:
    """The rows that would go below their reserved units. `before` was read under the rows'
    locks (PostgreSQL) or the write lock SQLite's IMMEDIATE transactions take, so it is what
    the refused UPDATE saw."""
    out = []
    for r in resolved:
        _, on_hand, reserved = before[r.key]
        new = r.quantity if mode == "replace" else on_hand + r.quantity
        if new < reserved:
            out.append(
                RowProblem(
                    r.index,
                    "stock_below_reserved",
                    "on_hand",
                    "On hand would be below the units reserved.",
                    r.sku_code,
                    r.store_code,
                    {"on_hand": new, "reserved": reserved},
                )
            )
    return out


def _levels(keys: list[tuple[int, int]]) -> dict[tuple[int, int], tuple[int, int, int]]:
    """(store, sku) -> (row id, on_hand, reserved), rows locked in key order."""
    out: dict[tuple[int, int], tuple[int, int, int]] = {}
    wanted = set(keys)
    by_store: dict[int, list[int]] = {}
    for store_id, sku_id in keys:
        by_store.setdefault(store_id, []).append(sku_id)
    for store_id in sorted(by_store):
        sku_ids = by_store[store_id]
        for start in range(0, len(sku_ids), _CHUNK):
            qs = (
                StockLevel.objects.select_for_update()
                .filter(store_id=store_id, sku_id__in=sku_ids[start : start + _CHUNK])
                .order_by("sku_id")
                .values_list("store_id", "sku_id", "pk", "on_hand", "reserved")
            )
            for s, k, pk, on_hand, reserved in qs:
                if (s, k) in wanted:
                    out[(s, k)] = (pk, on_hand, reserved)
    return out
