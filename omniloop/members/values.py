"""Typed values other apps receive from `members` (they never touch its models' internals)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class IdentityView:
    kind: str
    namespace: str
    display: str
    source: str
    created_at: datetime


@dataclass(frozen=True)
class ConsentState:
    channel: str
    granted: bool
    source: str
    recorded_at: datetime | None


@dataclass(frozen=True)
class MergeOutcome:
    survivor_id: int
    merged_id: int
    moved: dict[str, int]
