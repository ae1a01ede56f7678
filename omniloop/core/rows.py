"""Fixed-shape row look-ups for the hot paths (every till request, every flash-sale claim).

Django compiles a queryset anew on every call: a one-row look-up costs 0.3-0.6 ms of CPU in the
ORM's compiler, several times what PostgreSQL needs to answer it (benchmarks/README.md). On the
few paths that run for every request at the counter, the SQL is instead built once per process
from the model's own metadata (table, columns, quoting) and rows come back as model instances
through `Model.from_db`, with the same database converters the ORM applies, so callers keep
working with ordinary model instances. Everything else uses the ORM. See ADR 0012.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper

M = TypeVar("M", bound=models.Model)
Converter = Callable[[Any, Any, Any], Any]


def cursor() -> CursorWrapper:
    """The connection's shared cursor for fixed statements: Django's `connection.cursor()` builds
    a new driver cursor and wrapper on every call (a sale made 21-25 of them). One wrapper is
    kept per open database connection and query-logging state, so a reconnect, or a test that
    captures queries (a debug cursor), gets its own. Callers fetch what they need at once and
    never hold a result across another call, since the next statement replaces it; they do not
    close it (no `with`). Falls back to a fresh cursor while the connection has not been
    opened, or when its health check is due (Django's `CONN_HEALTH_CHECKS`).

    On PostgreSQL the fixed statements bind their parameters on the server (ADR 46): psycopg's
    own cursor, not Django's client-side `ClientCursor`, so a statement is parsed and planned
    once per connection (prepared after psycopg's `prepare_threshold` uses) and no value is
    quoted into SQL text in Python. psycopg types each int by its value (int2, int4, int8 or
    numeric), so nothing wraps; the ORM keeps client-side binding (ADR 45)."""
    conn = connections[DEFAULT_DB_ALIAS]
    raw = conn.connection
    logged = conn.queries_logged
    kept = conn.__dict__.get("_omniloop_shared_cursor")
    if (
        kept is not None
        and raw is not None
        and kept[0] is raw
        and kept[1] == logged
        and not (conn.health_check_enabled and not conn.health_check_done)  # type: ignore[attr-defined]
    ):
        conn.validate_thread_sharing()
        return cast(CursorWrapper, kept[2])
    fresh = _server_bound(conn, logged) if _binds_on_server(conn) else None
    if fresh is None:
        fresh = conn.cursor()
    conn.__dict__["_omniloop_shared_cursor"] = (conn.connection, logged, fresh)
    return fresh


def _binds_on_server(conn: Any) -> bool:
    return conn.vendor == "postgresql" and getattr(settings, "OMNILOOP_FIXED_SERVER_BINDING", True)


def _server_bound(conn: Any, logged: bool) -> CursorWrapper | None:
    """Django's cursor wrapper (error translation, broken-transaction check, query logging) over
    a psycopg cursor that binds on the server, set up as Django's `create_cursor` sets up its
    own (the connection's time zone for timestamptz). None when the driver is not psycopg 3."""
    conn.ensure_connection()
    conn.validate_thread_sharing()
    try:
        import psycopg
        from django.db.backends.postgresql.base import (  # type: ignore[attr-defined]
            ServerBindingCursor,
        )
        from django.db.backends.postgresql.psycopg_any import register_tzloader
    except ImportError:  # pragma: no cover - psycopg2
        return None
    raw = conn.connection
    if not isinstance(raw, psycopg.Connection):  # pragma: no cover
        return None
    driver = ServerBindingCursor(raw)
    oid = psycopg.adapters.types["timestamptz"].oid
    tzloader = raw.adapters.get_loader(oid, psycopg.pq.Format.TEXT)
    if tzloader is None or conn.timezone != getattr(tzloader, "timezone", None):
        register_tzloader(conn.timezone, driver)
    if logged:
        return _ServerBoundDebugCursor(driver, conn)
    return cast(CursorWrapper, conn.make_cursor(driver))


class _ServerBoundDebugCursor(CursorDebugWrapper):
    """Logs a server-bound statement with its values inlined, as Django's own debug cursor
    shows client-side ones (captured queries, the benchmarks' SQL capture), not with `$1`."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        shown = sql
        if params is not None:
            try:
                shown = self.db.ops.compose_sql(sql, params)
            except Exception:  # only what is logged; the statement itself decides
                shown = sql
        with self.debug_sql(shown, params):
            return CursorWrapper.execute(self, sql, params)


@dataclass(frozen=True)
class Shape:
    """How one model's concrete columns appear in a SELECT under a table alias."""

    model: type[models.Model]
    alias: str
    columns: str  # '"t"."id", "t"."name", ...'
    attnames: tuple[str, ...]
    width: int
    converters: tuple[tuple[int, tuple[tuple[Converter, Any], ...]], ...]

    def instance(self, row: Sequence[Any], start: int = 0) -> models.Model | None:
        """The instance in row[start:start + width], or None for a LEFT JOIN's empty side."""
        values = list(row[start : start + self.width])
        if values[0] is None:  # the primary key comes first (concrete_fields order)
            return None
        if self.converters:
            db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per converter
            for i, funcs in self.converters:
                for func, expr in funcs:
                    values[i] = func(values[i], expr, db)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)


@cache
def _shape(model: type[models.Model], alias: str, vendor: str) -> Shape:
    qn = connection.ops.quote_name
    fields = model._meta.concrete_fields
    assert fields[0].primary_key, model
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(alias)
        funcs = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if funcs:
            converters.append((i, tuple((f, col) for f in funcs)))
    return Shape(
        model=model,
        alias=alias,
        columns=", ".join(f"{qn(alias)}.{qn(f.column)}" for f in fields),
        attnames=tuple(f.attname for f in fields),
        width=len(fields),
        converters=tuple(converters),
    )


def shape(model: type[models.Model], alias: str) -> Shape:
    return _shape(model, alias, connections[DEFAULT_DB_ALIAS].vendor)


def table(model: type[models.Model], alias: str) -> str:
    """'"app_model" "alias"', for a FROM or JOIN clause."""
    return _table(model, alias, connections[DEFAULT_DB_ALIAS].vendor)


@cache
def _table(model: type[models.Model], alias: str, vendor: str) -> str:
    qn = connection.ops.quote_name
    return f"{qn(model._meta.db_table)} {qn(alias)}"


@lru_cache(maxsize=1024)  # keyed by the caller's fixed `where`: a bounded set
def _select(model: type[models.Model], alias: str, where: str, lock: bool, vendor: str) -> str:
    s = _shape(model, alias, vendor)
    sql = f"SELECT {s.columns} FROM {_table(model, alias, vendor)} WHERE {where}"  # noqa: S608
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql


def fetch_joined(sql: str, params: Sequence[Any], *shapes: Shape) -> list[tuple[Any, ...]]:
    """Rows of `SELECT <shapes[0].columns>, <shapes[1].columns>, ... FROM ... JOIN ...`, each as
    a tuple of instances (None for an empty LEFT JOIN side)."""
    c = cursor()
    c.execute(sql, params)
    found = c.fetchall()
    out = []
    for row in found:
        start, objs = 0, []
        for s in shapes:
            objs.append(s.instance(row, start))
            start += s.width
        out.append(tuple(objs))
    return out


def attach(obj: models.Model, field: str, related: models.Model | None) -> None:
    """Hand `obj` the row its foreign key `field` points at, loaded in the same statement (what
    `select_related` does), so reading `obj.<field>` costs no query."""
    fk = obj._meta.get_field(field)
    assert isinstance(fk, models.ForeignKey), (obj, field)  # OneToOneField is one too
    fk.set_cached_value(obj, related)


def placeholders(n: int) -> str:
    """'%s, %s, %s' for an IN list of n values (n >= 1)."""
    return ", ".join(["%s"] * n)


def fetch_one(
    model: type[M], where: str, params: Sequence[Any], *, alias: str = "t", lock: bool = False
) -> M | None:
    """`SELECT <model's columns> FROM <model's table> t WHERE <where>` for one row. `where` is a
    fixed string written by the caller (values only ever as parameters). `lock` adds FOR UPDATE
    where the database has it (SQLite serialises writers instead)."""
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    c = cursor()
    c.execute(_select(model, alias, where, lock, vendor), params)  # built once per `where`
    row = c.fetchone()
    return None if row is None else cast(M, _shape(model, alias, vendor).instance(row))


def fetch_all(model: type[M], where: str, params: Sequence[Any], *, alias: str = "t") -> list[M]:
    """`SELECT <model's columns> FROM <model's table> t WHERE <where>`: every row, as instances
    (`where` may end with an ORDER BY; fixed text, values only as parameters)."""
    s = shape(model, alias)
    sql = f"SELECT {s.columns} FROM {table(model, alias)} WHERE {where}"  # noqa: S608
    return [cast(M, objs[0]) for objs in fetch_joined(sql, params, s)]


@cache
def _insert_shape(model: type[models.Model], vendor: str) -> tuple[str, tuple[models.Field, ...]]:
    """'INSERT INTO "t" ("a", "b")' and the fields it writes: every concrete column but an
    auto-increment primary key (the database draws it)."""
    qn = connection.ops.quote_name
    fields = tuple(
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and getattr(f, "db_returning", False))
    )
    columns = ", ".join(qn(f.column) for f in fields)
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES ", fields  # noqa: S608


def _insert_values(obj: models.Model, fields: Sequence[models.Field]) -> list[Any]:
    # What the ORM's insert compiler sends: each field's pre_save (auto_now_add and the like),
    # prepared for this database.
    db = connections[DEFAULT_DB_ALIAS]  # once, not through the proxy per field
    return [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]


def insert(obj: M) -> M:
    """INSERT one new instance with one fixed statement (as `Model.objects.create` would, without
    signals or validation, which the hot paths do not use) and set its primary key."""
    model = type(obj)
    sql, fields, returning = _insert_one(model, connections[DEFAULT_DB_ALIAS].vendor)
    c = cursor()
    c.execute(sql, _insert_values(obj, fields))
    if returning:
        obj.pk = c.fetchone()[0]
    obj._state.adding = False
    obj._state.db = DEFAULT_DB_ALIAS
    return obj


@cache
def _insert_one(
    model: type[models.Model], vendor: str
) -> tuple[str, tuple[models.Field, ...], bool]:
    head, fields = _insert_shape(model, vendor)
    pk = model._meta.pk
    assert pk is not None
    returning = pk not in fields
    sql = head + f"({placeholders(len(fields))})"
    if returning:
        sql += f" RETURNING {connection.ops.quote_name(pk.column)}"
    return sql, fields, returning


def insert_many(objs: Sequence[models.Model]) -> None:
    """INSERT new instances of one model in one multi-row statement (their ids are not read
    back: for rows nothing in the request refers to again)."""
    if not objs:
        return
    model = type(objs[0])
    head, fields = _insert_shape(model, connections[DEFAULT_DB_ALIAS].vendor)
    row = f"({placeholders(len(fields))})"
    params = [v for obj in objs for v in _insert_values(obj, fields)]
    cursor().execute(head + ", ".join([row] * len(objs)), params)
