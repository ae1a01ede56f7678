"""Keeping `MemberFeatures` current: the bulk rebuild and the per-member recomputation.

`features_rebuild(as_of)` runs the one set-based statement of `feature_sql` over every member,
then records the RFM breakpoints it found. `features_apply_order(order_id)` (called by the order
services when an order is recorded, paid, cancelled or refunded) recomputes that order's member
with the same SQL, as of now, on the last rebuild's RFM scale."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction

from omniloop.core import clock
from omniloop.insights.feature_duck import STAGE_TABLE, stage_on_duckdb
from omniloop.insights.feature_reload import features_reload
from omniloop.insights.feature_sql import (
    Breaks,
    RfmBreaks,
    features_select,
    features_upsert,
    rfm_breaks_select,
)
from omniloop.insights.models import FeatureState, MemberFeatures
from omniloop.insights.sqlparams import Params
from omniloop.members.models import Member


def _state() -> FeatureState | None:
    return FeatureState.objects.order_by("-pk").first()


def _breaks_from_table() -> RfmBreaks:
    with connection.cursor() as cur:
        cur.execute(rfm_breaks_select())
        row = cur.fetchone()
    values = list(row) if row else [None] * 12
    # SQLite returns datetimes as text here: parse them back into aware UTC datetimes.
    r = tuple(_as_datetime(v) for v in values[0:4])
    f = tuple(None if v is None else int(v) for v in values[4:8])
    m = tuple(None if v is None else _as_decimal(v) for v in values[8:12])
    return RfmBreaks(r=r, f=f, m=m)


def _as_datetime(value: object) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _as_decimal(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def features_engine() -> str:
    """Where the rebuild's aggregation runs (ADR 48): `duckdb` on PostgreSQL unless
    OMNILOOP_FEATURES_ENGINE says `sql`; always `sql` on SQLite (nothing to export to)."""
    if connection.vendor != "postgresql":
        return "sql"
    return "sql" if settings.OMNILOOP_FEATURES_ENGINE == "sql" else "duckdb"


@transaction.atomic
def features_rebuild(*, as_of: datetime | None = None, keep_rfm_scale: bool = False) -> int:
    """Recompute every active member's features as of `as_of` (default now). On PostgreSQL the
    aggregation runs on DuckDB (or in SQL with OMNILOOP_FEATURES_ENGINE=sql) and every row is
    reloaded in bulk (ADR 48); on SQLite one INSERT ... SELECT ... ON CONFLICT does it all.
    With `keep_rfm_scale` the last rebuild's RFM breakpoints are reused instead of recalibrated."""
    as_of = as_of or clock.now()
    started = time.perf_counter()
    state = _state()
    breaks: Breaks = "compute"
    if keep_rfm_scale and state is not None:
        breaks = RfmBreaks.from_json(state.rfm_breaks)
    staged = None
    if features_engine() == "duckdb":
        connection.ensure_connection()
        found = stage_on_duckdb(connection.connection, as_of=as_of)
        breaks = breaks if isinstance(breaks, RfmBreaks) else found
        staged = STAGE_TABLE
    params = Params("fs")
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":  # a bulk reload of every row (ADR 48)
            cur.execute("SET LOCAL work_mem = '256MB'")
            select = features_select(as_of=as_of, params=params, breaks=breaks, staged=staged)
            features_reload(cur, select, params.values)
            if staged:
                cur.execute(f"DROP TABLE {staged}")
        else:
            cur.execute(features_upsert(as_of=as_of, params=params, breaks=breaks), params.values)
            cur.execute(
                "DELETE FROM insights_memberfeatures WHERE NOT EXISTS (SELECT 1 FROM"
                " members_member m WHERE m.id = member_id AND m.status = %s)",
                ["active"],
            )
    found = breaks if isinstance(breaks, RfmBreaks) else _breaks_from_table()
    members = MemberFeatures.objects.count()
    FeatureState.objects.create(
        as_of=as_of,
        rebuilt_at=clock.now(),
        members=members,
        rfm_breaks=found.as_json(),
        seconds=time.perf_counter() - started,
    )
    old = list(FeatureState.objects.order_by("-pk").values_list("pk", flat=True)[30:])
    FeatureState.objects.filter(pk__in=old).delete()
    return members


def features_apply_member(*, member_id: int, as_of: datetime | None = None) -> None:
    """Recompute one member's row as of `as_of` (default now): the same SQL as the rebuild,
    restricted to the member; a member who is no longer active loses their row."""
    as_of = as_of or clock.now()
    state = _state()
    breaks: Breaks = RfmBreaks.from_json(state.rfm_breaks) if state else "none"
    params = Params("fs")
    sql = features_upsert(as_of=as_of, params=params, breaks=breaks, member_id=member_id)
    with connection.cursor() as cur:
        cur.execute(sql, params.values)
    if not Member.objects.filter(pk=member_id, status=Member.Status.ACTIVE).exists():
        MemberFeatures.objects.filter(member_id=member_id).delete()


def features_apply_order(order_id: int) -> None:
    """Bring the features of the order's member up to date (a no-op for anonymous orders).
    The order services call this after recording, paying, cancelling or refunding an order."""
    from omniloop.orders.models import Order

    member_id = Order.objects.filter(pk=order_id).values_list("member_id", flat=True).first()
    if member_id is not None:
        features_apply_member(member_id=member_id)


def features_merge(survivor: Member, merged: Member) -> int:
    """Merge handler: the merged member's row goes; the survivor is recomputed once every
    handler (the orders' among them) has moved its rows."""
    deleted, _ = MemberFeatures.objects.filter(member_id=merged.pk).delete()
    survivor_id = survivor.pk
    transaction.on_commit(lambda: features_apply_member(member_id=survivor_id))
    return deleted
