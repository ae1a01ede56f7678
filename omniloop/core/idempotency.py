"""Idempotent execution of retried requests (Stripe's semantics, Brandur Leach's Postgres design).

The key row is inserted *first*, in the same transaction as the effect. A concurrent duplicate
blocks on the unique index until the first transaction ends: if it committed, the duplicate reads
the stored response and replays it; if it rolled back (bad input), the duplicate proceeds as if
first. So 20 simultaneous requests with one key produce exactly one effect, a request that fails
validation stores no key, and a crash between effect and record is impossible.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from omniloop.core import clock, rows
from omniloop.core.errors import ApplicationError, ValidationFailed
from omniloop.core.models import IdempotencyRecord

_KEY_RE = re.compile(r"^[\x21-\x7e]{8,255}$")
# The key row first, in the effect's transaction (see above); no row back = the key is taken.
_CLAIM_KEY = (
    f"INSERT INTO {IdempotencyRecord._meta.db_table}"  # noqa: S608
    ' (scope, "key", method, path, fingerprint, response_status, response_body, created_at)'
    " VALUES (%s, %s, %s, %s, %s, 0, '{}', %s)"
    ' ON CONFLICT (scope, "key") DO NOTHING RETURNING id'
)
_STORE_RESPONSE = (
    f"UPDATE {IdempotencyRecord._meta.db_table}"  # noqa: S608
    " SET response_status = %s, response_body = %s WHERE id = %s"
)


@dataclass(frozen=True)
class IdempotentResult:
    status: int
    body: dict[str, Any]
    replayed: bool


def fingerprint(method: str, path: str, payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, fp: str) -> IdempotentResult:
    if record.fingerprint != fp:
        raise ApplicationError(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
            status=422,
        )
    return IdempotentResult(record.response_status, record.response_body, replayed=True)


def run_idempotent(
    *,
    scope: str,
    key: str | None,
    method: str,
    path: str,
    payload: Any,
    handler: Callable[[], tuple[int, dict[str, Any]]],
) -> IdempotentResult:
    """Run `handler` at most once per (scope, key); replay its stored response afterwards."""
    if not key:
        raise ValidationFailed(
            "The Idempotency-Key header is required.", code="idempotency_key_missing", status=400
        )
    if not _KEY_RE.match(key):
        raise ValidationFailed(
            "Idempotency-Key must be 8-255 printable ASCII characters.",
            code="idempotency_key_invalid",
            status=400,
        )
    fp = fingerprint(method, path, payload)
    now = clock.now()
    cutoff = now - timedelta(hours=settings.OMNILOOP_IDEMPOTENCY_TTL_HOURS)
    # Every till write starts here: fixed statements (core.rows) for the look-up, the key's
    # insert (arbitrated by the unique index) and the stored response; the rare clean-up of an
    # expired key stays on the ORM.
    found = rows.fetch_one(IdempotencyRecord, "t.scope = %s AND t.key = %s", [scope, key])
    if found is not None and found.created_at >= cutoff:
        return _replay(found, fp)
    with transaction.atomic():
        if found is not None:
            # An expired record with the same key is replaced, not replayed.
            IdempotencyRecord.objects.filter(pk=found.pk, created_at__lt=cutoff).delete()
        cursor = rows.cursor()
        # Waits on the unique index while a concurrent request with this key is in flight.
        cursor.execute(
            _CLAIM_KEY,
            [scope, key, method, path[:255], fp, connection.ops.adapt_datetimefield_value(now)],
        )
        claimed = cursor.fetchone()
        if claimed is None:
            # A concurrent request with this key committed while we waited on the index.
            return _replay(IdempotencyRecord.objects.get(scope=scope, key=key), fp)
        status, body = handler()
        cursor = rows.cursor()
        cursor.execute(_STORE_RESPONSE, [status, json.dumps(body), claimed[0]])
    return IdempotentResult(status, body, replayed=False)


def prune() -> int:
    cutoff = clock.now() - timedelta(hours=settings.OMNILOOP_IDEMPOTENCY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
