"""The ledger's primitives: accounts, opening a transaction under its idempotency reference, and
writing balanced entries with their cached balances. Every service posts through these.

Lock order, everywhere: the member accounts involved (by pk, `accounts_lock`), then their lots,
then the brand accounts (by pk, in `entries_write`). Brand rows are written last so their lock
is held for the shortest time."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Sum

from omniloop.core import rows
from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    PointsLot,
)
from omniloop.loyalty.values import (
    EntryDraft,
    PointsInsufficient,
    PointsReferenceConflict,
    PostedTransaction,
)

_A, _E, _L = (m._meta.db_table for m in (LedgerAccount, LedgerEntry, PointsLot))
# One statement claims a reference: no row back = it is taken (no savepoint around the INSERT).
_CLAIM_REFERENCE = (
    f"INSERT INTO {LedgerTransaction._meta.db_table}"  # noqa: S608
    " (reference, kind, fingerprint, note, created_at) VALUES (%s, %s, %s, %s, %s)"
    " ON CONFLICT (reference) DO NOTHING RETURNING id"
)


def fingerprint(op: str, **parts: Any) -> str:
    """What a transaction asks for, hashed: two submissions are identical iff these match."""
    canonical = json.dumps({"op": op, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


# Fixed statements for every till sale that earns or burns (core.rows, ADR 12 and 42): values
# only as parameters, table names and kinds from the models.
_MEMBER_ACCOUNTS = (
    f"SELECT id, kind, balance FROM {_A} WHERE member_id = %s"  # noqa: S608
    f" AND kind IN ('{AccountKind.MEMBER}', '{AccountKind.DEBT}')"
)
_ENTRY_ROW = "(%s, %s, %s, %s)"
_INSERT_ENTRIES = f"INSERT INTO {_E} (transaction_id, account_id, lot_id, amount) VALUES "  # noqa: S608
_MEMBER_ADD = (
    f"UPDATE {_A} SET balance = balance + %s"  # noqa: S608
    f" WHERE id = %s AND kind = '{AccountKind.MEMBER}' AND balance + %s >= 0"
)
_LOT_ADD = (
    f"UPDATE {_L} SET remaining = remaining + %s"  # noqa: S608
    " WHERE id = %s AND remaining + %s >= 0 AND remaining + %s <= points"
)
# A brand leg never lands on a member account; a debt is paid back at most to zero.
_BRAND_ADD = (
    f"UPDATE {_A} SET balance = balance + %s"  # noqa: S608
    f" WHERE id = %s AND kind <> '{AccountKind.MEMBER}'"
    f" AND NOT (kind = '{AccountKind.DEBT}' AND balance + %s > 0)"
)


def member_account(member_id: int) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(kind=AccountKind.MEMBER, member_id=member_id)
    return account


def member_accounts_read(member_id: int) -> tuple[int, tuple[int, int] | None]:
    """The member's account id (created if missing) and their debt account as (id, balance)
    when they owe points, in one fixed statement. Not locked."""
    cursor = rows.cursor()
    cursor.execute(_MEMBER_ACCOUNTS, [member_id])
    found = {kind: (pk, balance) for pk, kind, balance in cursor.fetchall()}
    mine = found.get(AccountKind.MEMBER)
    debt = found.get(AccountKind.DEBT)
    account_id = mine[0] if mine is not None else member_account(member_id).pk
    return account_id, (debt if debt is not None and debt[1] < 0 else None)


def member_account_lock(member_id: int) -> int | None:
    """Lock the member's points account and return its id (None: they have none)."""
    sql = f"SELECT id FROM {_A} WHERE member_id = %s AND kind = %s"  # noqa: S608
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    cursor = rows.cursor()
    cursor.execute(sql, [member_id, AccountKind.MEMBER.value])
    row = cursor.fetchone()
    return None if row is None else int(row[0])


def debt_account(member_id: int) -> LedgerAccount:
    """The member's debt account: negative by the points a reversal could not take back."""
    account, _ = LedgerAccount.objects.get_or_create(kind=AccountKind.DEBT, member_id=member_id)
    return account


def brand_account(kind: AccountKind) -> LedgerAccount:
    account, _ = LedgerAccount.objects.get_or_create(kind=kind, member=None)
    return account


# (database alias, kind) -> the brand account's id. A brand account is created once and never
# deleted (entries protect it), so its id is cached per process, but only once the row is
# committed: an id from a rolled-back transaction is never cached. Tests that flush tables
# clear this (tests/conftest.py); a stale id would fail the brand UPDATE's row count loudly.
_brand_ids: dict[tuple[str, str], int] = {}


def brand_account_id(kind: AccountKind) -> int:
    key = (connection.alias, str(kind))
    pk = _brand_ids.get(key)
    if pk is None:
        pk = brand_account(kind).pk
        transaction.on_commit(lambda: _brand_ids.__setitem__(key, pk))
    return pk


def brand_account_ids_forget() -> None:
    """Forget the cached brand account ids (after a test flushed the tables)."""
    _brand_ids.clear()


def accounts_lock(account_ids: Sequence[int]) -> None:
    """Lock member accounts (by pk) before reading their lots: every writer of a lot holds its
    account's lock, so a lot read under it stays true until commit."""
    ids = sorted(set(account_ids))
    if not ids or not connection.features.has_select_for_update:
        return  # SQLite serialises writers instead
    sql = f"SELECT id FROM {_A} WHERE id IN ({', '.join(['%s'] * len(ids))})"  # noqa: S608
    cursor = rows.cursor()
    cursor.execute(f"{sql} ORDER BY id FOR UPDATE", ids)
    cursor.fetchall()


def transaction_open(
    *, reference: str, kind: str, fingerprint: str, at: datetime, note: str = ""
) -> LedgerTransaction | PostedTransaction:
    """Claim `reference` for a new transaction (returned, to write entries on), or, when it is
    taken, the first transaction replayed if it asked for the same thing. Anything else under
    the same reference is refused (409 `points_reference_conflict`). Call inside an atomic
    block, so a failure later in the caller releases the reference too."""
    if not reference or len(reference) > 100:
        raise ValidationFailed("A reference is 1-100 characters.", code="points_reference_invalid")
    txn = LedgerTransaction(
        reference=reference, kind=kind, fingerprint=fingerprint, note=note[:200], created_at=at
    )
    cursor = rows.cursor()
    # Waits on the unique index while a concurrent transaction with this reference is open.
    cursor.execute(
        _CLAIM_REFERENCE,
        [
            txn.reference,
            txn.kind,
            txn.fingerprint,
            txn.note,
            connection.ops.adapt_datetimefield_value(at),
        ],
    )
    claimed = cursor.fetchone()
    if claimed is not None:
        txn.pk = claimed[0]
        txn._state.adding = False
        return txn
    existing = LedgerTransaction.objects.get(reference=reference)
    if existing.fingerprint != fingerprint:
        raise PointsReferenceConflict(
            f"Reference {reference!r} was already used for another points transaction."
        )
    return posted(existing, replayed=True)


def entries_write(txn: LedgerTransaction, drafts: Sequence[EntryDraft]) -> None:
    """Append `drafts` to `txn` and move the cached balances with conditional UPDATEs, so no
    member account or lot goes below zero (or a lot above its points) even if a caller's reads
    were stale: that raises `PointsInsufficient` and the caller's atomic block writes nothing.
    Member legs carry their lot; brand legs carry none."""
    if len(drafts) < 2 or sum(d.amount for d in drafts) != 0 or any(d.amount == 0 for d in drafts):
        raise ValueError(f"Unbalanced points transaction {txn.reference}: {drafts}")
    members: dict[int, int] = defaultdict(int)
    brands: dict[int, int] = defaultdict(int)
    lots: dict[int, int] = defaultdict(int)
    for d in drafts:
        if d.lot_id is None:
            brands[d.account_id] += d.amount
        else:
            members[d.account_id] += d.amount
            lots[d.lot_id] += d.amount
    entries = [v for d in drafts for v in (txn.pk, d.account_id, d.lot_id, d.amount)]
    insert = _INSERT_ENTRIES + ", ".join([_ENTRY_ROW] * len(drafts))
    # Each leg: its conditional UPDATE and the key it moves, in lock order (members, their lots,
    # the brands). A leg that did not move exactly its one row is refused (`_refusal`).
    legs = (
        [(_MEMBER_ADD, [d, pk, d], pk) for pk, d in sorted(members.items())]
        + [(_LOT_ADD, [d, pk, d, d], pk) for pk, d in sorted(lots.items())]
        + [(_BRAND_ADD, [d, pk, d], pk) for pk, d in sorted(brands.items())]
    )
    updates = [(sql, params) for sql, params, _ in legs]
    if connection.vendor == "postgresql":
        counts = _write_at_once(insert, entries, updates)
    else:
        counts = _write_one_by_one(insert, entries, updates)
    for (sql, _, pk), n in zip(legs, counts, strict=False):
        if n != 1:
            raise _refusal(sql, pk, txn.reference)


def _refusal(sql: str, pk: int, reference: str) -> Exception:
    if sql is _MEMBER_ADD:
        return PointsInsufficient("Not enough points.", extra={"account_id": pk})
    if sql is _LOT_ADD:
        return PointsInsufficient("Not enough points in the lot.", extra={"lot_id": pk})
    return ValueError(f"Brand leg on a member account in {reference}")


def _write_one_by_one(
    insert: str, entries: list[Any], legs: list[tuple[str, list[Any]]]
) -> list[int]:
    """The entries in one multi-row INSERT, then each cached balance by its conditional UPDATE
    (ADR 42), in lock order: members, their lots, the brands. SQLite has no UPDATE in WITH."""
    cursor = rows.cursor()
    cursor.execute(insert, entries)
    counts = []
    for sql, params in legs:
        cursor.execute(sql, params)
        counts.append(cursor.rowcount)
        if cursor.rowcount != 1:
            break  # the caller raises for this one; the rest would be rolled back with it
    return counts


def _write_at_once(insert: str, entries: list[Any], legs: list[tuple[str, list[Any]]]) -> list[int]:
    """The same writes as one statement on PostgreSQL (ADR 46): each conditional UPDATE a
    data-modifying CTE, counted in the outer SELECT, whose scalar subqueries PostgreSQL runs left
    to right, so the rows are locked in the same order as one by one (members, their lots, the
    brands); the entries' INSERT, which nothing reads, runs after them. READ COMMITTED re-checks
    each UPDATE's WHERE on the newest row version, as for a statement of its own. One round
    trip instead of 1 + legs (3 for an earn, 4 or more for a burn)."""
    ctes = [f"e AS ({insert})"] + [
        f"u{i} AS ({sql} RETURNING 1)" for i, (sql, _) in enumerate(legs)
    ]
    counts = ", ".join(f"(SELECT count(*) FROM u{i})" for i in range(len(legs)))  # noqa: S608
    params = entries + [v for _, leg in legs for v in leg]
    cursor = rows.cursor()
    cursor.execute(f"WITH {', '.join(ctes)} SELECT {counts}", params)
    return [int(n) for n in cursor.fetchone()]


def posted(
    txn: LedgerTransaction, *, points: int | None = None, replayed: bool = False
) -> PostedTransaction:
    """The answer for `txn`; `points` (what it moved) is read from its entries unless given."""
    moved = points
    if moved is None:
        moved = txn.entries.filter(amount__gt=0).aggregate(s=Sum("amount"))["s"] or 0
    return PostedTransaction(
        transaction_id=txn.pk,
        reference=txn.reference,
        kind=txn.kind,
        points=int(moved),
        created_at=txn.created_at,
        replayed=replayed,
    )
