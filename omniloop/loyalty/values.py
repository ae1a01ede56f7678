"""What the ledger's services hand back, and its error codes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from omniloop.core.errors import Conflict

# Points from an earn or a positive adjustment stay spendable this long unless the caller says.
DEFAULT_LOT_DAYS = 730


@dataclass(frozen=True)
class EntryDraft:
    """One leg to write: `amount` onto `account_id` (and onto `lot_id`, for a member leg)."""

    account_id: int
    amount: int
    lot_id: int | None = None


@dataclass(frozen=True)
class PostedTransaction:
    transaction_id: int
    reference: str
    kind: str
    points: int
    created_at: datetime
    replayed: bool = False


@dataclass(frozen=True)
class ReversalResult:
    """A reversal: `taken` from the member's balance, `owed` recorded as their debt."""

    posted: PostedTransaction
    taken: int
    owed: int


@dataclass(frozen=True)
class LotView:
    lot_id: int
    points: int
    remaining: int
    expires_at: datetime


class PointsInsufficient(Conflict):
    code = "points_insufficient"


class PointsReferenceConflict(Conflict):
    """The reference was already used for a different transaction."""

    code = "points_reference_conflict"
