from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Role(StrEnum):
    """The parties a settlement rule can credit. Listed in the order rounding cents go to."""

    CREDITED = "credited"  # the credited (bound) store and the credited assistant
    ORDERING = "ordering"  # the ordering touchpoint's store: the scanned tag, card, tablet
    FULFILLING = "fulfilling"  # the store the goods leave from


ROLE_ORDER = (Role.CREDITED, Role.ORDERING, Role.FULFILLING)


@dataclass(frozen=True)
class Shares:
    """A rule's split in basis points (10,000 = the whole order)."""

    credited: int = 0
    ordering: int = 0
    fulfilling: int = 0

    def of(self, role: Role) -> int:
        return int(getattr(self, role.value))


@dataclass(frozen=True)
class Party:
    store_id: int | None  # None: no store could be credited; HQ keeps it
    assistant_id: int | None


@dataclass(frozen=True)
class PartyShare:
    party: Party
    roles: tuple[Role, ...]
    cents: int


@dataclass(frozen=True)
class RecordResult:
    order_id: int
    recorded: bool  # False: it was settled before (or the flow's rule settles nothing)
    entries: int
    period: date


@dataclass(frozen=True)
class RefundResult:
    order_id: int
    refund_ref: str
    replayed: bool
    reversed: Decimal


@dataclass(frozen=True)
class BackfillResult:
    recorded: int
    caught_up: int  # refunds the ledger had not yet taken back
