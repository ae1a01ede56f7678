"""Stateful property: random sequences of earns, burns, resubmissions, time passing and expiry
sweeps leave the ledger exactly where a plain reference model says (lots spent soonest-expiring
first, expired lots unspendable and swept, references idempotent), and the ledger sound."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from omniloop.loyalty.expiry import points_expire
from omniloop.loyalty.models import AccountKind, LedgerAccount, PointsLot
from omniloop.loyalty.selectors import ledger_audit
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.loyalty.values import PointsInsufficient, PointsReferenceConflict
from omniloop.members.models import Member
from tests.factories import make_member
from tests.loyalty.helpers import T0

pytestmark = pytest.mark.django_db

MEMBERS = 3


@dataclass
class Lot:
    member: int
    points: int
    remaining: int
    expires_at: datetime
    seq: int


@dataclass
class Model:
    """The reference: lots in a list, brand totals as three numbers."""

    now: datetime = T0
    lots: list[Lot] = field(default_factory=list)
    issued: int = 0
    redeemed: int = 0
    expired: int = 0

    def spendable(self, member: int) -> list[Lot]:
        live = [
            lot
            for lot in self.lots
            if lot.member == member and lot.remaining and lot.expires_at > self.now
        ]
        return sorted(live, key=lambda lot: (lot.expires_at, lot.seq))

    def balance(self, member: int) -> int:
        return sum(lot.remaining for lot in self.lots if lot.member == member)


@dataclass(frozen=True)
class Earned:
    reference: str
    member: int
    points: int
    expires_at: datetime


def machine_for(members: list[Member]) -> type[RuleBasedStateMachine]:
    class LedgerMachine(RuleBasedStateMachine):
        earns = Bundle("earns")

        def __init__(self) -> None:
            super().__init__()
            self.model = Model()
            self.seq = 0
            self.atomic = transaction.atomic()
            self.atomic.__enter__()  # each example starts from an empty ledger and is rolled back

        def teardown(self) -> None:
            try:
                open_lots = PointsLot.objects.filter(remaining__gt=0).order_by("pk")
                assert list(open_lots.values_list("remaining", "expires_at")) == [
                    (lot.remaining, lot.expires_at) for lot in self.model.lots if lot.remaining
                ]
                assert ledger_audit() == []
            finally:
                transaction.set_rollback(True)
                self.atomic.__exit__(None, None, None)

        def _ref(self) -> str:
            self.seq += 1
            return f"ref:{self.seq}"

        @initialize(target=earns, member=st.integers(0, MEMBERS - 1), points=st.integers(1, 300))
        def first_earn(self, member: int, points: int) -> Earned:
            return self.earn(member, points, 30)

        @rule(
            target=earns,
            member=st.integers(0, MEMBERS - 1),
            points=st.integers(1, 300),
            days=st.integers(1, 60),
        )
        def earn(self, member: int, points: int, days: int) -> Earned:
            reference, expires_at = self._ref(), self.model.now + timedelta(days=days)
            done = points_earn(
                member=members[member],
                points=points,
                reference=reference,
                expires_at=expires_at,
                at=self.model.now,
            )
            assert (done.points, done.replayed) == (points, False)
            self.model.lots.append(Lot(member, points, points, expires_at, self.seq))
            self.model.issued += points
            return Earned(reference, member, points, expires_at)

        @rule(member=st.integers(0, MEMBERS - 1), points=st.integers(1, 500))
        def burn(self, member: int, points: int) -> None:
            lots = self.model.spendable(member)
            if sum(lot.remaining for lot in lots) < points:
                with pytest.raises(PointsInsufficient):
                    points_burn(
                        member=members[member],
                        points=points,
                        reference=self._ref(),
                        at=self.model.now,
                    )
                return
            points_burn(
                member=members[member], points=points, reference=self._ref(), at=self.model.now
            )
            self.model.redeemed += points
            for lot in lots:
                take = min(points, lot.remaining)
                lot.remaining -= take
                points -= take

        @rule(earned=earns)
        def resubmit_earn(self, earned: Earned) -> None:
            again = points_earn(
                member=members[earned.member],
                points=earned.points,
                reference=earned.reference,
                expires_at=earned.expires_at,
                at=self.model.now,
            )
            assert (again.replayed, again.points) == (True, earned.points)

        @rule(earned=earns, extra=st.integers(1, 5))
        def resubmit_different(self, earned: Earned, extra: int) -> None:
            with pytest.raises(PointsReferenceConflict):
                points_earn(
                    member=members[earned.member],
                    points=earned.points + extra,
                    reference=earned.reference,
                    expires_at=earned.expires_at,
                )

        @rule(days=st.integers(1, 40))
        def time_passes(self, days: int) -> None:
            self.model.now += timedelta(days=days)

        @rule()
        def expiry_sweep(self) -> None:
            due = [
                lot for lot in self.model.lots if lot.remaining and lot.expires_at <= self.model.now
            ]
            assert points_expire(at=self.model.now) == len(due)
            for lot in due:
                self.model.expired += lot.remaining
                lot.remaining = 0

        @invariant()
        def ledger_matches_the_model(self) -> None:
            accounts = LedgerAccount.objects.values_list("kind", "member_id", "balance")
            balances = {(kind, member_id): balance for kind, member_id, balance in accounts}
            for i, member in enumerate(members):
                assert balances.get((AccountKind.MEMBER, member.pk), 0) == self.model.balance(i)
            assert balances.get((AccountKind.ISSUANCE, None), 0) == -self.model.issued
            assert balances.get((AccountKind.REDEMPTION, None), 0) == self.model.redeemed
            assert balances.get((AccountKind.EXPIRY, None), 0) == self.model.expired

    return LedgerMachine


def test_the_ledger_follows_the_reference_model():
    members = [make_member() for _ in range(MEMBERS)]
    run_state_machine_as_test(
        machine_for(members),
        settings=settings(
            max_examples=1000,
            stateful_step_count=6,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
