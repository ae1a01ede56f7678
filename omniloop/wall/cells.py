"""Adding to aggregate cells, and the local days they are keyed by.

`cell_add` is one `INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n` (PostgreSQL and
SQLite alike): two transactions adding to a new cell at once both land, neither fails."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Coalesce

from omniloop.core.brand import brand_settings
from omniloop.stores.models import Store


def cell_add(model: type[models.Model], key: dict[str, Any], deltas: dict[str, int]) -> None:
    q = connection.ops.quote_name
    table = q(model._meta.db_table)
    cols = [*key, *deltas]
    names = ", ".join(q(c) for c in cols)
    marks = ", ".join(["%s"] * len(cols))
    conflict = ", ".join(q(c) for c in key)
    sets = ", ".join(f"{q(c)} = {table}.{q(c)} + excluded.{q(c)}" for c in deltas)
    # Names come from the model's own fields (quoted); every value is a bound parameter.
    sql = (
        f"INSERT INTO {table} ({names}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*key.values(), *deltas.values()])


def mark_once(model: type[models.Model], value: int | str) -> bool:
    """Insert the marker row whose primary key is `value`; True if this call inserted it (one
    statement: a concurrent twin waits on the key and then inserts nothing)."""
    q = connection.ops.quote_name
    pk = q(model._meta.pk.column)  # type: ignore[union-attr]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {q(model._meta.db_table)} ({pk}) VALUES (%s) "  # noqa: S608
            f"ON CONFLICT DO NOTHING RETURNING {pk}",
            [value],
        )
        return cursor.fetchone() is not None


# A sale is an order that was paid: every status but awaiting payment and cancelled unpaid
# (refunded orders were paid). It counts at `paid_at`, or `ordered_at` for rows that never set
# it (the demo's history, old imports): the moment settlement uses too.
UNPAID_STATUSES = ("pending", "cancelled")


def counted(prefix: str = "") -> Q:
    """Orders the wall counts as sales (`prefix`: the path to the order, e.g. "order__")."""
    return ~Q(**{f"{prefix}status__in": UNPAID_STATUSES})


def sold_at(prefix: str = "") -> Coalesce:
    return Coalesce(f"{prefix}paid_at", f"{prefix}ordered_at")


def fen(amount: Decimal | int) -> int:
    return int((Decimal(amount) * 100).to_integral_value())


def zone_of(store_id: int) -> zoneinfo.ZoneInfo:
    """The store's time zone; the brand's for no store (0)."""
    name = None
    if store_id:
        name = Store.objects.filter(pk=store_id).values_list("timezone", flat=True).first()
    return zoneinfo.ZoneInfo(name or brand_settings().timezone)


def local_day(at: datetime, zone: zoneinfo.ZoneInfo) -> date:
    return at.astimezone(zone).date()


def month_of(day: date) -> date:
    return day.replace(day=1)


def zones() -> dict[str, list[int]]:
    """Every time zone in use, with its stores; the brand's zone is always there (for store 0)."""
    out: dict[str, list[int]] = {brand_settings().timezone: []}
    for pk, tz in Store.objects.values_list("pk", "timezone"):
        out.setdefault(tz, []).append(pk)
    return out
