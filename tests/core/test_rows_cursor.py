"""`rows.cursor()`: one shared cursor per open connection and query-logging state."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.backends.utils import CursorDebugWrapper
from django.test.utils import CaptureQueriesContext

from omniloop.core import rows
from omniloop.core.models import IdempotencyRecord

pytestmark = pytest.mark.django_db(transaction=True)


def _count() -> int:
    c = rows.cursor()
    c.execute(f"SELECT COUNT(*) FROM {IdempotencyRecord._meta.db_table}")  # noqa: S608
    return int(c.fetchone()[0])


def test_one_cursor_is_shared_while_the_connection_lives():
    first = rows.cursor()
    assert rows.cursor() is first
    assert _count() == 0
    assert rows.cursor() is first


def test_a_reconnect_gets_a_new_cursor_that_works():
    first = rows.cursor()
    connection.close()
    assert _count() == 0  # the closed one would raise
    assert rows.cursor() is not first


def test_captured_queries_see_statements_on_the_shared_cursor():
    assert not isinstance(rows.cursor(), CursorDebugWrapper)
    with CaptureQueriesContext(connection) as captured:
        _count()
        assert isinstance(rows.cursor(), CursorDebugWrapper)
    assert [q["sql"] for q in captured.captured_queries][-1].startswith("SELECT COUNT(*)")
    assert not isinstance(rows.cursor(), CursorDebugWrapper)  # logging off again


def test_the_cursor_survives_a_failed_statement_and_its_rollback():
    table = IdempotencyRecord._meta.db_table
    c = rows.cursor()
    columns = "scope, key, method, path, fingerprint, response_status, response_body, created_at"
    values = "'s', 'k', 'POST', '/p', 'f', 200, '{}', CURRENT_TIMESTAMP"
    insert = f"INSERT INTO {table} ({columns}) VALUES ({values})"  # noqa: S608
    with transaction.atomic():
        c.execute(insert)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.cursor().execute(insert)  # the same key again
    assert rows.cursor() is c
    assert _count() == 1
