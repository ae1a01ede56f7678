"""The DuckDB engine of the feature rebuild (ADR 48) writes exactly the rows the SQL engine
writes, column for column, RFM breakpoints included, on worlds with refunds, returns, ties,
members without orders and amounts whose averages land on a half cent."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings

from omniloop.insights.features import features_engine, features_rebuild
from omniloop.insights.models import FeatureState, MemberFeatures
from omniloop.members.models import Member
from omniloop.orders.models import Order
from tests.factories import make_member
from tests.insights.world import AS_OF, add_order, build_world

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _rows() -> dict[int, tuple]:
    fields = [f.attname for f in MemberFeatures._meta.fields if f.attname != "id"]
    return {r.member_id: tuple(getattr(r, f) for f in fields) for r in MemberFeatures.objects.all()}


def _rebuild(engine: str, **kwargs) -> tuple[dict[int, tuple], dict]:
    with override_settings(OMNILOOP_FEATURES_ENGINE=engine):
        assert features_engine() == engine
        features_rebuild(as_of=AS_OF, **kwargs)
    return _rows(), FeatureState.objects.order_by("-pk").first().rfm_breaks


@pytest.mark.parametrize("seed", [3, 11, 29])
def test_duckdb_writes_what_sql_writes(seed):
    world = build_world(seed=seed, members=60, orders=400)
    rnd = random.Random(seed)
    half_cent = world.members[0]  # 100.01 over two orders in the last year: 50.005 -> 50.01
    for amount in ("60.00", "40.01"):
        order = add_order(world, rnd, member=half_cent, at=AS_OF - timedelta(days=5), store=None)
        Order.objects.filter(pk=order.pk).update(total=Decimal(amount), refunded_total=0)
    Member.objects.filter(pk=world.members[1].pk).update(status="merged")
    sql_rows, sql_breaks = _rebuild("sql")
    MemberFeatures.objects.all().delete()
    duck_rows, duck_breaks = _rebuild("duckdb")
    assert duck_rows == sql_rows
    assert duck_breaks == sql_breaks
    assert len(duck_rows) == Member.objects.filter(status="active").count()
    assert MemberFeatures.objects.get(member=half_cent).avg_order_value_365d is not None
    # the stage table went with the transaction
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('insights_feature_stage')")
        assert cur.fetchone() == (None,)


def test_duckdb_keeps_the_rfm_scale_and_the_clv_columns():
    world = build_world(seed=5, members=30, orders=200)
    _rebuild("sql")
    MemberFeatures.objects.filter(member=world.members[2]).update(
        p_alive=0.25, clv_365d=Decimal("99.50")
    )
    add_order(
        world,
        random.Random(1),
        member=world.members[2],
        at=AS_OF - timedelta(days=1),
        store=None,
        plain=True,
    )
    sql_rows, sql_breaks = _rebuild("sql", keep_rfm_scale=True)
    duck_rows, duck_breaks = _rebuild("duckdb", keep_rfm_scale=True)
    assert duck_rows == sql_rows and duck_breaks == sql_breaks
    row = MemberFeatures.objects.get(member=world.members[2])
    assert (row.p_alive, row.clv_365d) == (0.25, Decimal("99.50"))


def test_no_orders_at_all():
    make_member()
    duck_rows, breaks = _rebuild("duckdb")
    assert next(iter(duck_rows.values()))[2:5] == (None, None, None)  # no order features
    assert breaks["r"] == [None] * 4 and breaks["m"] == [None] * 4


def test_the_reload_rebuilds_every_index_as_it_was():
    build_world(seed=2, members=20, orders=80)
    query = (
        "SELECT indexname, indexdef FROM pg_indexes"
        " WHERE tablename = 'insights_memberfeatures' ORDER BY indexname"
    )
    with connection.cursor() as cur:
        cur.execute(query)
        before = cur.fetchall()
    _rebuild("duckdb")
    with connection.cursor() as cur:
        cur.execute(query)
        assert cur.fetchall() == before
    assert len(before) >= 4  # the key, last_order_at, (rfm_r, rfm_f), top_category


@pytest.mark.django_db(transaction=True)
def test_the_parallel_export_reads_the_rebuilds_snapshot(monkeypatch):
    """Above the threshold two processes export in the rebuild's snapshot: the same rows."""
    import subprocess

    from omniloop.insights import feature_duck

    build_world(seed=13, members=30, orders=150)
    sql_rows, sql_breaks = _rebuild("sql")
    monkeypatch.setattr(feature_duck, "_estimated_lines", lambda pg: 1e9)
    helpers = []
    real = subprocess.Popen

    def spy(args, **kwargs):
        helpers.append(args[-1])
        return real(args, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", spy)
    duck_rows, duck_breaks = _rebuild("duckdb")
    assert helpers == ["omniloop.insights.feature_duck"] * 2
    assert duck_rows == sql_rows and duck_breaks == sql_breaks


@pytest.mark.django_db(transaction=True)
def test_a_failing_helper_fails_the_rebuild_and_writes_nothing(monkeypatch):
    from omniloop.insights import feature_duck

    build_world(seed=17, members=10, orders=40)
    monkeypatch.setattr(feature_duck, "_estimated_lines", lambda pg: 1e9)
    monkeypatch.setitem(
        feature_duck._EXPORTS,
        "catalog_sku",
        ("id BIGINT, product_id BIGINT", "SELECT id, no_such_column FROM catalog_sku"),
    )
    with pytest.raises(RuntimeError, match="no_such_column"):
        _rebuild("duckdb")
    assert not MemberFeatures.objects.exists() and not FeatureState.objects.exists()
