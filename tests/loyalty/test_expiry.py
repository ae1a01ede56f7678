"""points_expire: what is left of expired lots moves to the brand's expiry account, once."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from omniloop.core.periodic import periodic_jobs
from omniloop.loyalty.expiry import points_expire
from omniloop.loyalty.models import AccountKind, LedgerAccount, LedgerTransaction
from omniloop.loyalty.selectors import points_balance, points_lots
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.loyalty.tasks import points_expire_task
from omniloop.loyalty.values import PointsReferenceConflict
from tests.factories import make_member
from tests.loyalty.helpers import day, ledger_counts

pytestmark = pytest.mark.django_db


def _expired() -> int:
    return LedgerAccount.objects.get(kind=AccountKind.EXPIRY, member=None).balance


def test_the_sweep_moves_what_is_left_of_expired_lots_and_nothing_else():
    alice, bob = make_member(), make_member()
    with freeze_time(day(0)):
        points_earn(member=alice, points=100, reference="a1", expires_at=day(30))
        points_earn(member=alice, points=50, reference="a2", expires_at=day(60))
        points_earn(member=bob, points=70, reference="b1", expires_at=day(30))
    with freeze_time(day(10)):
        points_burn(member=alice, points=40, reference="a-burn")

    with freeze_time(day(30)):
        swept = points_expire_task.call()

    assert swept == 2
    assert points_balance(member_id=alice.pk) == 50
    assert points_balance(member_id=bob.pk) == 0
    assert _expired() == 60 + 70
    assert [lot.expires_at for lot in points_lots(member_id=alice.pk)] == [day(60)]
    assert LedgerTransaction.objects.filter(kind="expire").count() == 2


def test_a_second_run_moves_nothing_and_a_lot_not_yet_due_stays():
    member = make_member()
    with freeze_time(day(0)):
        points_earn(member=member, points=10, reference="e1", expires_at=day(5))
        points_earn(member=member, points=20, reference="e2", expires_at=day(6))
    with freeze_time(day(5)):
        assert points_expire_task.call() == 1
        before = ledger_counts()
        assert points_expire_task.call() == 0
        assert ledger_counts() == before
    assert points_balance(member_id=member.pk) == 20
    with freeze_time(day(6)):
        assert points_expire_task.call() == 1
    assert points_balance(member_id=member.pk) == 0
    assert _expired() == 30


def test_a_spent_lot_has_nothing_to_expire():
    member = make_member()
    with freeze_time(day(0)):
        points_earn(member=member, points=10, reference="e1", expires_at=day(5))
        points_burn(member=member, points=10, reference="b1")
    with freeze_time(day(5)):
        assert points_expire_task.call() == 0
    assert not LedgerTransaction.objects.filter(kind="expire").exists()


def test_the_sweep_is_a_registered_hourly_job():
    job = periodic_jobs()["points_expire"]
    assert job.every.total_seconds() == 3600
    assert job.task.module_path == points_expire_task.module_path


@pytest.mark.parametrize("batch", [1, 2, 100])
def test_lots_of_many_accounts_are_swept_in_batches_each_once(batch):
    members = [make_member() for _ in range(5)]
    expected = 0
    with freeze_time(day(0)):
        for n, member in enumerate(members):
            for k in range(n % 3 + 1):  # 1-3 expiring lots each, and one live lot
                points = 10 * (n + 1) + k
                points_earn(member=member, points=points, reference=f"x{n}-{k}", expires_at=day(5))
                expected += points
            points_earn(member=member, points=7, reference=f"live{n}", expires_at=day(50))
    with freeze_time(day(1)):
        points_burn(member=members[0], points=3, reference="spent")  # the lot due soonest
    expected -= 3
    lots_due = sum(n % 3 + 1 for n in range(5))

    assert points_expire(at=day(5), batch=batch) == lots_due
    assert points_expire(at=day(5), batch=batch) == 0

    assert _expired() == expected
    assert [points_balance(member_id=m.pk) for m in members] == [7] * 5
    references = set(
        LedgerTransaction.objects.filter(kind="expire").values_list("reference", flat=True)
    )
    assert len(references) == lots_due
    assert all(r.startswith("expire:") for r in references)


def test_a_reference_taken_by_another_transaction_stops_the_batch_and_writes_nothing():
    alice, bob = make_member(), make_member()
    with freeze_time(day(0)):
        points_earn(member=alice, points=10, reference="a1", expires_at=day(5))
        (lot,) = points_lots(member_id=alice.pk)
        points_earn(member=bob, points=5, reference=f"expire:{lot.lot_id}", expires_at=day(50))
    before = ledger_counts()

    with pytest.raises(PointsReferenceConflict):
        points_expire(at=day(5))

    assert ledger_counts() == before
    assert points_balance(member_id=alice.pk) == 10
