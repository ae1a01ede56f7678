"""What higher apps hear about their messages, without messaging importing them.

An app that enqueues messages with a `cause` of `<prefix>:<id>` registers a listener for that
prefix in its AppConfig.ready() (the pattern of `orders.events`); the inbox does for its
replies (`inbox:<ticket message id>`). Listeners run inside the transaction that writes the
outcome (the claim's suppressions, the worker's record, a delivery receipt), so the caller's
own row and the message agree or neither changes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from omniloop.messaging.models import Message


@dataclass(frozen=True)
class MessageOutcome:
    uid: str
    cause: str
    status: str
    channel: str
    reason: str
    last_error: str
    skipped: str
    sent_at: datetime | None
    delivered_at: datetime | None


OutcomeListener = Callable[[MessageOutcome], object]
_listeners: dict[str, OutcomeListener] = {}


def register_outcome_listener(cause_prefix: str, listener: OutcomeListener) -> None:
    _listeners[cause_prefix] = listener


def outcomes_notify(message_ids: Iterable[int]) -> None:
    """Tell each message's listener (by the prefix of its cause) how it stands now."""
    ids = list(message_ids)
    if not ids or not _listeners:
        return
    wanted = Q()
    for prefix in _listeners:  # only the messages someone listens for are read
        wanted |= Q(cause__startswith=f"{prefix}:")
    rows = Message.objects.filter(wanted, id__in=ids).order_by("id")
    for m in rows:
        listener = _listeners.get(m.cause.partition(":")[0])
        if listener is None:
            continue
        listener(
            MessageOutcome(
                uid=m.uid.hex,
                cause=m.cause,
                status=m.status,
                channel=m.channel,
                reason=m.reason,
                last_error=m.last_error,
                skipped=m.skipped,
                sent_at=m.sent_at,
                delivered_at=m.delivered_at,
            )
        )
