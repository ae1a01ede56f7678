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


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="server-side binding is PostgreSQL's"
)


@postgres_only
def test_fixed_statements_bind_on_the_server_and_are_prepared_after_a_few_uses():
    import psycopg

    c = rows.cursor()
    assert not isinstance(c.cursor, psycopg.ClientCursor)  # Django's default binds client-side
    assert isinstance(c.cursor, psycopg.Cursor)
    raw = connection.connection
    threshold = raw.prepare_threshold
    assert threshold is not None
    for _ in range(threshold + 1):
        _count()
    c.execute("SELECT COUNT(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%COUNT(*)%"])
    assert c.fetchone()[0] >= 1
    # the ORM's cursors keep client-side binding (ADR 45)
    with connection.cursor() as orm:
        assert isinstance(orm.cursor, psycopg.ClientCursor)


@postgres_only
def test_ints_past_32_bits_are_sent_whole():
    # An Int4 wrap would turn 50,000,000,000 into -1,539,607,552 without an error (ADR 45).
    c = rows.cursor()
    for value in (5, 50_000_000_000, -(2**63) + 1, 2**40):
        c.execute("SELECT %s::numeric", [value])
        assert int(c.fetchone()[0]) == value


@postgres_only
def test_the_setting_turns_server_side_binding_off(settings):
    import psycopg

    settings.OMNILOOP_FIXED_SERVER_BINDING = False
    connection.close()
    assert isinstance(rows.cursor().cursor, psycopg.ClientCursor)
    assert _count() == 0


@postgres_only
def test_timestamps_come_back_in_the_connection_time_zone():
    from datetime import UTC

    c = rows.cursor()
    c.execute("SELECT TIMESTAMPTZ '2026-12-04 08:00:00+08'")
    got = c.fetchone()[0]
    with connection.cursor() as orm:
        orm.execute("SELECT TIMESTAMPTZ '2026-12-04 08:00:00+08'")
        assert orm.fetchone()[0] == got
    assert got.utcoffset() is not None and got.astimezone(UTC).hour == 0


@postgres_only
def test_captured_server_bound_statements_show_their_values():
    with CaptureQueriesContext(connection) as captured:
        c = rows.cursor()
        c.execute("SELECT %s::bigint, %s::text", [50_000_000_000, "o'k"])
        assert c.fetchone() == (50_000_000_000, "o'k")
    assert captured.captured_queries[-1]["sql"] == "SELECT 50000000000::bigint, 'o''k'::text"
