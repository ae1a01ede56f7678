"""ledger_audit finds what it is there to find, so a clean audit after each test means something."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F

from omniloop.loyalty.models import AccountKind, LedgerAccount, LedgerEntry, PointsLot
from omniloop.loyalty.selectors import ledger_audit, points_balance
from omniloop.loyalty.services import points_earn
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def test_a_sound_ledger_audits_clean():
    assert ledger_audit() == []
    points_earn(member=make_member(), points=10, reference="e1")
    assert ledger_audit() == []


def test_a_cached_balance_that_drifts_from_its_entries_is_reported():
    member = make_member()
    points_earn(member=member, points=10, reference="e1")
    account = LedgerAccount.objects.get(member=member)
    LedgerAccount.objects.filter(pk=account.pk).update(balance=F("balance") + 1)

    problems = ledger_audit()

    assert f"account {account.pk} caches 11, its entries sum to 10" in problems
    assert "accounts sum to 1, not 0" in problems
    assert f"account {account.pk} holds 11, its lots 10" in problems
    LedgerAccount.objects.filter(pk=account.pk).update(balance=F("balance") - 1)
    assert ledger_audit() == []


def test_a_lot_that_drifts_from_its_entries_is_reported():
    member = make_member()
    points_earn(member=member, points=10, reference="e1")
    lot = PointsLot.objects.get()
    PointsLot.objects.filter(pk=lot.pk).update(remaining=9)

    assert f"lot {lot.pk} caches 9, its entries sum to 10" in ledger_audit()
    PointsLot.objects.filter(pk=lot.pk).update(remaining=10)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the trigger refuses the edit")
def test_an_unbalanced_transaction_is_reported():
    member = make_member()
    points_earn(member=member, points=10, reference="e1")
    brand_leg = LedgerEntry.objects.get(account__kind=AccountKind.ISSUANCE)
    LedgerEntry.objects.filter(pk=brand_leg.pk).update(amount=-9)
    assert "transaction e1 does not balance" in ledger_audit()
    LedgerEntry.objects.filter(pk=brand_leg.pk).update(amount=-10)
    assert points_balance(member_id=member.pk) == 10
