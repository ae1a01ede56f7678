"""What higher apps hear about joins, without onboarding importing them (the pattern of
`orders.events` and `touchpoints.links`).

Apps register `listener(event)` in their AppConfig.ready(); `member_join` calls each, sorted by
name, inside its transaction after the member, the visitor's scans and the binding are written,
so whatever a listener records (a referral, an employee's recruit) commits with the join or not
at all. A listener must not refuse the join: it records its own refusals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class MemberJoined:
    """One successful pass through the join form (a new member, or an existing one logging in)."""

    member_id: int
    created: bool
    phone_index: str  # the phone's blind index (never the number)
    phone_was_suppressed: bool  # the number belonged to an erased member until this join
    visitor_id: int | None
    # Whom the browser's visitor belonged to before this join (None: it was anonymous).
    visitor_owner_before: int | None
    touchpoint_id: int | None  # the scanned touchpoint the join form was reached from
    at: datetime


JoinListener = Callable[[MemberJoined], object]
_listeners: dict[str, JoinListener] = {}


def register_join_listener(name: str, listener: JoinListener) -> None:
    _listeners[name] = listener


def member_joined(event: MemberJoined) -> None:
    for _, listener in sorted(_listeners.items()):
        listener(event)
