"""Migration 0002 turns the old points entries into balanced ledger transactions, keeping their
references, so a retried welcome after the upgrade still replays."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from omniloop.loyalty.selectors import points_balance, points_lots
from omniloop.loyalty.services import points_earn
from tests.factories import make_member
from tests.loyalty.helpers import day

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("loyalty", "0001_initial")]


def _migrate(target: list[tuple[str, str]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    executor.loader.build_graph()
    return executor


def test_old_entries_become_lots_and_transactions():
    alice, bob = make_member(), make_member()
    executor = _migrate(OLD)
    entry = executor.loader.project_state(OLD).apps.get_model("loyalty", "PointsEntry")
    entry.objects.create(
        member_id=alice.pk, delta=100, kind="welcome", ref=f"welcome:{alice.pk}", created_at=day(0)
    )
    entry.objects.create(
        member_id=alice.pk, delta=30, kind="purchase", ref="sale:1", created_at=day(1)
    )
    entry.objects.create(
        member_id=alice.pk, delta=-110, kind="adjust", ref="fix:1", created_at=day(2)
    )
    entry.objects.create(
        member_id=bob.pk, delta=100, kind="welcome", ref=f"welcome:{bob.pk}", created_at=day(0)
    )

    _migrate(executor.loader.graph.leaf_nodes("loyalty"))

    assert points_balance(member_id=alice.pk) == 20
    assert points_balance(member_id=bob.pk) == 100
    assert [(lot.points, lot.remaining) for lot in points_lots(member_id=alice.pk)] == [(30, 20)]
    assert points_earn(member=bob, points=100, reference=f"welcome:{bob.pk}").replayed
