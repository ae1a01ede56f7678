"""entries_write's fixed statements (server-side binding on PostgreSQL, its legs in one
statement there, ADR 46): balances past 32 bits do not wrap, each refused leg raises its own
error and writes nothing, several lots move in one write."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from omniloop.core import clock
from omniloop.loyalty import ledger
from omniloop.loyalty.models import (
    AccountKind,
    LedgerAccount,
    LedgerEntry,
    PointsLot,
    TransactionKind,
)
from omniloop.loyalty.services import points_earn
from omniloop.loyalty.values import EntryDraft, PointsInsufficient
from tests.factories import make_member

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


def _open(reference: str) -> Any:
    txn = ledger.transaction_open(
        reference=reference, kind=TransactionKind.ADJUST, fingerprint=reference, at=clock.now()
    )
    assert not isinstance(txn, ledger.PostedTransaction)
    return txn


def _state() -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    return (
        sorted(LedgerAccount.objects.values_list("pk", "balance")),
        sorted(PointsLot.objects.values_list("pk", "remaining")),
        LedgerEntry.objects.count(),
    )


@pytest.mark.django_db
def test_each_refused_leg_raises_its_error_and_writes_nothing():
    # entries_write's conditional UPDATEs (one statement on PostgreSQL, one by one on SQLite):
    # a stale caller asking too much of a member, of a lot, or landing a brand leg on a member.
    member = make_member()
    points_earn(member=member, points=100, reference="seed", at=clock.now())
    account = LedgerAccount.objects.get(member=member, kind=AccountKind.MEMBER)
    lot = PointsLot.objects.get(account=account)
    redemption = ledger.brand_account_id(AccountKind.REDEMPTION)
    before = _state()
    cases = [
        # more than the member holds (the lot would go below zero too: the member leg is first)
        ([EntryDraft(account.pk, -150, lot.pk), EntryDraft(redemption, 150)], PointsInsufficient),
        # a lot raised above its points while the member's balance allows it
        ([EntryDraft(account.pk, 50, lot.pk), EntryDraft(redemption, -50)], PointsInsufficient),
        # a brand leg (no lot) on the member's account
        ([EntryDraft(account.pk, -10), EntryDraft(redemption, 10)], ValueError),
    ]
    for n, (drafts, error) in enumerate(cases):
        with pytest.raises(error), transaction.atomic():
            ledger.entries_write(_open(f"refused-{n}"), drafts)
        assert _state() == before, n


@pytest.mark.django_db
def test_a_burn_across_several_lots_moves_each_lot_and_the_balance_once():
    member = make_member()
    for n in range(3):
        points_earn(member=member, points=100, reference=f"lot-{n}", at=clock.now())
    account = LedgerAccount.objects.get(member=member, kind=AccountKind.MEMBER)
    redemption = ledger.brand_account_id(AccountKind.REDEMPTION)
    lots = list(PointsLot.objects.filter(account=account).order_by("pk"))
    with transaction.atomic():
        ledger.entries_write(
            _open("burn-3"),
            [
                EntryDraft(account.pk, -100, lots[0].pk),
                EntryDraft(account.pk, -100, lots[1].pk),
                EntryDraft(account.pk, -30, lots[2].pk),
                EntryDraft(redemption, 230),
            ],
        )
    account.refresh_from_db()
    assert account.balance == 70
    assert [lt.remaining for lt in PointsLot.objects.filter(account=account).order_by("pk")] == [
        0,
        0,
        70,
    ]
    assert LedgerAccount.objects.get(pk=redemption).balance == 230
