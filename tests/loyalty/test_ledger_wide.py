"""Balances past 32 bits through the ledger's fixed statements (server-side binding on
PostgreSQL, ADR 46): nothing wraps, and the cached balances still equal their entries."""

from __future__ import annotations

import pytest
from django.db import transaction

from omniloop.core import clock
from omniloop.loyalty import ledger
from omniloop.loyalty.models import AccountKind, LedgerAccount, LedgerEntry, TransactionKind
from omniloop.loyalty.values import EntryDraft

BIG = 50_000_000_000  # a brand's points issued over years: far past 2**31


@pytest.mark.django_db
def test_a_brand_leg_past_32_bits_moves_the_balance_by_exactly_that():
    issuance = ledger.brand_account_id(AccountKind.ISSUANCE)
    adjustment = ledger.brand_account_id(AccountKind.ADJUSTMENT)
    for n in range(3):  # more than once, so the statement is also run prepared
        with transaction.atomic():
            txn = ledger.transaction_open(
                reference=f"wide-{n}", kind=TransactionKind.ADJUST, fingerprint=f"w{n}",
                at=clock.now(),
            )  # fmt: skip
            assert not isinstance(txn, ledger.PostedTransaction)
            ledger.entries_write(
                txn,
                [
                    EntryDraft(account_id=issuance, amount=-BIG),
                    EntryDraft(account_id=adjustment, amount=BIG),
                ],
            )
    balances = dict(
        LedgerAccount.objects.filter(pk__in=[issuance, adjustment]).values_list("pk", "balance")
    )
    assert balances == {issuance: -3 * BIG, adjustment: 3 * BIG}
    assert sorted(LedgerEntry.objects.values_list("amount", flat=True)) == [-BIG] * 3 + [BIG] * 3
