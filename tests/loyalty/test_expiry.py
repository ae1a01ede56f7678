"""points_expire: what is left of expired lots moves to the brand's expiry account, once."""

from __future__ import annotations

import pytest
from freezegun import freeze_time

from omniloop.core.periodic import periodic_jobs
from omniloop.loyalty.models import AccountKind, LedgerAccount, LedgerTransaction
from omniloop.loyalty.selectors import points_balance, points_lots
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.loyalty.tasks import points_expire_task
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
