from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class BindingDecision(StrEnum):
    """Why a touch did or did not change the binding; shown to staff and kept in tests."""

    BOUND = "bound"  # first binding
    ASSISTANT_ADDED = "assistant_added"  # same store, the member had no assistant yet
    UNCHANGED = "unchanged"  # same store and assistant
    KEPT_FIRST_TOUCH = "kept_first_touch"  # brand binds on first touch only
    KEPT_PROTECTED = "kept_protected"  # inside the protection period
    TAKEN_OVER = "taken_over"  # protection over; the new touch wins


@dataclass(frozen=True)
class BindingOutcome:
    decision: BindingDecision
    store_id: int
    assistant_id: int | None


@dataclass(frozen=True)
class SaleCredit:
    """Who a sale is credited to, and by which rule."""

    store_id: int
    assistant_id: int | None
    rule: str
