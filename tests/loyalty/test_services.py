"""points_earn and points_burn: balanced, idempotent by reference, never below zero."""

from __future__ import annotations

from datetime import timedelta

import pytest

from omniloop.core.errors import ValidationFailed
from omniloop.loyalty.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from omniloop.loyalty.selectors import points_balance, points_lots
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.loyalty.values import DEFAULT_LOT_DAYS, PointsInsufficient, PointsReferenceConflict
from tests.factories import make_member
from tests.loyalty.helpers import day, ledger_counts

pytestmark = pytest.mark.django_db


def _brand_balance(kind: AccountKind) -> int:
    return LedgerAccount.objects.get(kind=kind, member=None).balance


def test_earn_credits_the_member_from_issuance_as_one_lot():
    member = make_member()

    done = points_earn(member=member, points=120, reference="sale:1", note="Sale", at=day(0))

    assert (done.points, done.kind, done.replayed) == (120, "earn", False)
    assert points_balance(member_id=member.pk) == 120
    assert _brand_balance(AccountKind.ISSUANCE) == -120
    [lot] = points_lots(member_id=member.pk)
    assert (lot.points, lot.remaining) == (120, 120)
    assert lot.expires_at == day(DEFAULT_LOT_DAYS)
    txn = LedgerTransaction.objects.get(reference="sale:1")
    assert sorted(txn.entries.values_list("amount", flat=True)) == [-120, 120]


def test_identical_resubmission_replays_the_first_and_writes_nothing():
    member = make_member()
    first = points_earn(member=member, points=50, reference="sale:2", at=day(0))
    before = ledger_counts()

    again = points_earn(member=member, points=50, reference="sale:2", at=day(3))

    assert again.replayed
    assert (again.transaction_id, again.points, again.created_at) == (
        first.transaction_id,
        50,
        day(0),
    )
    assert ledger_counts() == before
    assert points_balance(member_id=member.pk) == 50


@pytest.mark.parametrize("change", ["points", "member", "kind"])
def test_a_different_transaction_under_a_used_reference_is_refused(change):
    member, other = make_member(), make_member()
    points_earn(member=member, points=50, reference="ref:1", at=day(0))
    before = ledger_counts()

    with pytest.raises(PointsReferenceConflict) as err:
        if change == "points":
            points_earn(member=member, points=51, reference="ref:1")
        elif change == "member":
            points_earn(member=other, points=50, reference="ref:1")
        else:
            points_burn(member=member, points=50, reference="ref:1")

    assert (err.value.code, err.value.status) == ("points_reference_conflict", 409)
    assert ledger_counts() == before
    assert points_balance(member_id=member.pk) == 50


def test_burn_takes_the_soonest_expiring_lots_first():
    member = make_member()
    points_earn(member=member, points=100, reference="late", expires_at=day(300), at=day(0))
    points_earn(member=member, points=30, reference="soon", expires_at=day(100), at=day(1))
    points_earn(member=member, points=40, reference="mid", expires_at=day(200), at=day(2))

    done = points_burn(member=member, points=50, reference="redeem:1", at=day(10))

    assert done.points == 50
    assert [(lot.remaining, lot.expires_at) for lot in points_lots(member_id=member.pk)] == [
        (20, day(200)),
        (100, day(300)),
    ]
    assert points_balance(member_id=member.pk) == 120
    assert _brand_balance(AccountKind.REDEMPTION) == 50
    legs = LedgerEntry.objects.filter(transaction_id=done.transaction_id)
    assert sorted(legs.values_list("amount", flat=True)) == [-30, -20, 50]


def test_burn_above_the_balance_is_refused_and_writes_nothing():
    member = make_member()
    points_earn(member=member, points=80, reference="e1", at=day(0))
    before = ledger_counts()

    with pytest.raises(PointsInsufficient) as err:
        points_burn(member=member, points=81, reference="redeem:2", at=day(1))

    assert (err.value.code, err.value.status, err.value.extra) == (
        "points_insufficient",
        409,
        {"available": 80},
    )
    assert ledger_counts() == before
    assert points_balance(member_id=member.pk) == 80
    # The refused reference is free: the same burn, once affordable, goes through.
    points_earn(member=member, points=1, reference="e2", at=day(1))
    assert not points_burn(member=member, points=81, reference="redeem:2", at=day(2)).replayed
    assert points_balance(member_id=member.pk) == 0


def test_burn_by_a_member_who_never_earned_is_insufficient():
    with pytest.raises(PointsInsufficient):
        points_burn(member=make_member(), points=1, reference="redeem:3")
    assert ledger_counts() == (0, 0, 0, 0)


def test_expired_lots_are_not_spendable_before_the_sweep():
    member = make_member()
    points_earn(member=member, points=60, reference="e1", expires_at=day(30), at=day(0))
    points_earn(member=member, points=10, reference="e2", expires_at=day(90), at=day(0))

    with pytest.raises(PointsInsufficient) as err:
        points_burn(member=member, points=20, reference="redeem:4", at=day(30))

    assert err.value.extra == {"available": 10}
    assert points_balance(member_id=member.pk) == 70  # until the expiry job runs


@pytest.mark.parametrize("points", [0, -5, 10_000_001])
def test_points_out_of_range_are_refused(points):
    member = make_member()
    with pytest.raises(ValidationFailed) as err:
        points_earn(member=member, points=points, reference="bad")
    assert err.value.code == "points_invalid"
    with pytest.raises(ValidationFailed):
        points_burn(member=member, points=points, reference="bad")
    assert ledger_counts() == (0, 0, 0, 0)


def test_a_reference_longer_than_100_characters_is_refused():
    with pytest.raises(ValidationFailed) as err:
        points_earn(member=make_member(), points=1, reference="x" * 101)
    assert err.value.code == "points_reference_invalid"
    assert ledger_counts() == (0, 0, 0, 0)


def test_default_expiry_is_counted_from_the_earn():
    member = make_member()
    points_earn(member=member, points=5, reference="e", at=day(10))
    [lot] = points_lots(member_id=member.pk)
    assert lot.expires_at == day(10) + timedelta(days=DEFAULT_LOT_DAYS)
