"""Merging members moves points by a balanced transfer; the duplicate's entries stay as written."""

from __future__ import annotations

import pytest

from omniloop.loyalty.models import LedgerEntry, LedgerTransaction
from omniloop.loyalty.selectors import points_balance, points_lots
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.members.services import member_merge
from tests.factories import make_member
from tests.loyalty.helpers import day

pytestmark = pytest.mark.django_db


def test_lots_move_to_the_survivor_with_their_expiry_and_the_old_entries_stay():
    survivor, dup = make_member(), make_member()
    points_earn(member=survivor, points=10, reference="s1", expires_at=day(50), at=day(0))
    points_earn(member=dup, points=30, reference="d1", expires_at=day(20), at=day(0))
    points_earn(member=dup, points=40, reference="d2", expires_at=day(90), at=day(0))
    points_burn(member=dup, points=5, reference="d-burn", at=day(1))
    written = set(LedgerEntry.objects.values_list("pk", "account_id", "lot_id", "amount"))

    outcome = member_merge(survivor_id=survivor.pk, merged_id=dup.pk, actor="user:1", reason="dup")

    assert outcome.moved["points"] == 2
    assert points_balance(member_id=survivor.pk) == 75
    assert points_balance(member_id=dup.pk) == 0
    assert [(lot.remaining, lot.expires_at) for lot in points_lots(member_id=survivor.pk)] == [
        (25, day(20)),
        (10, day(50)),
        (40, day(90)),
    ]
    assert written <= set(LedgerEntry.objects.values_list("pk", "account_id", "lot_id", "amount"))
    transfer = LedgerTransaction.objects.get(kind="transfer")
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-40, -25, 25, 40]


def test_a_member_without_points_merges_without_a_transaction():
    survivor, dup = make_member(), make_member()
    points_earn(member=survivor, points=10, reference="s1")

    outcome = member_merge(survivor_id=survivor.pk, merged_id=dup.pk, actor="user:1", reason="dup")

    assert outcome.moved["points"] == 0
    assert not LedgerTransaction.objects.filter(kind="transfer").exists()
    assert points_balance(member_id=survivor.pk) == 10
