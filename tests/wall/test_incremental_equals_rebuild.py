"""The cells kept event by event equal a full rebuild from the rows, after a mixed stream of
scans, joins, bindings, till sales, online orders, returns, refunds, a replay and a merge."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from omniloop.orders.events import order_paid
from omniloop.wall.models import CohortMonth, MemberDay, MemberFact, SalesDay, ScanDay
from omniloop.wall.rebuild import wall_rebuild
from tests.wall.world import build_world

pytestmark = pytest.mark.django_db

MEASURES = {
    SalesDay: ("orders", "gross_fen", "refunds", "refund_fen"),
    ScanDay: ("scans",),
    MemberDay: ("joins", "first_purchases"),
    CohortMonth: ("active",),
}


def _cells() -> dict[str, set[tuple[Any, ...]]]:
    """Every non-empty cell of every table, as comparable tuples (zero cells are the trace an
    undone contribution leaves; a rebuild writes none)."""
    out: dict[str, set[tuple[Any, ...]]] = {}
    for model, measures in MEASURES.items():
        fields = [f.attname for f in model._meta.fields if f.attname != "id"]
        rows = model.objects.values_list(*fields)
        at = [fields.index(m) for m in measures]
        out[model.__name__] = {r for r in rows if any(r[i] for i in at)}
    out["MemberFact"] = {
        (*r[:-1], tuple(r[-1])) for r in MemberFact.objects.values_list(
            "member_id", "join_day", "join_channel", "store_id", "touchpoint_id",
            "assistant_id", "first_day", "months",
        )
    }  # fmt: skip
    return out


def test_cells_kept_as_events_arrive_equal_a_full_rebuild():
    world = build_world()
    kept = _cells()
    assert kept["SalesDay"] and kept["ScanDay"] and kept["MemberDay"] and kept["CohortMonth"]
    # A replayed paid event adds nothing
    order_paid(world.orders[0].pk)
    assert _cells() == kept
    counts = wall_rebuild()
    assert counts.member_facts == len(world.members) - 1  # the merged member is gone
    assert _cells() == kept


def test_a_range_rebuild_replaces_only_its_days_and_the_command_runs():
    world = build_world(n_members=4)
    kept = _cells()
    day = min(d for d, *_ in SalesDay.objects.values_list("day"))
    SalesDay.objects.all().update(orders=999)  # damage every cell
    call_command("wall_rebuild", "--from", day.isoformat(), "--to", day.isoformat())
    repaired = SalesDay.objects.filter(day=day)
    assert repaired.exists() and not repaired.filter(orders=999).exists()
    assert SalesDay.objects.exclude(day=day).filter(orders=999).exists()
    call_command("wall_rebuild")
    assert _cells() == kept
    assert world.orders
