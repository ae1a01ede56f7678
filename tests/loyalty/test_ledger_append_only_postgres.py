"""On PostgreSQL the database itself refuses to change or delete a ledger entry."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from omniloop.loyalty.bulk import ledger_purge
from omniloop.loyalty.models import LedgerEntry
from omniloop.loyalty.services import points_earn
from tests.factories import make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture
def entry() -> LedgerEntry:
    points_earn(member=make_member(), points=10, reference="e1")
    return LedgerEntry.objects.filter(amount=10).get()


def test_an_update_of_an_entry_is_refused(entry):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=11)
    entry.refresh_from_db()
    assert entry.amount == 10


def test_a_raw_delete_of_an_entry_is_refused(entry):
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM loyalty_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_only_the_purge_transaction_may_delete(entry):
    with transaction.atomic():
        deleted = ledger_purge()
        assert deleted["LedgerEntry"] == 2
        transaction.set_rollback(True)  # keep the rows; the point is that the trigger let it by
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).delete()
