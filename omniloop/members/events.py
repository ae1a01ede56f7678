"""What higher apps hear about members, without members importing them.

`member_changed(member_id)` says a member's join facts may have changed: the member was created,
or (called by attribution) a binding decision was logged. Listeners (the wall's member facts)
register in their AppConfig.ready() and run inside the caller's transaction; each recomputes
what it keeps for the member from the rows, so a repeated call writes nothing more."""

from __future__ import annotations

from collections.abc import Callable

MemberListener = Callable[[int], object]
_listeners: dict[str, MemberListener] = {}


def register_member_listener(name: str, listener: MemberListener) -> None:
    _listeners[name] = listener


def member_changed(member_id: int) -> None:
    for _, listener in sorted(_listeners.items()):
        listener(member_id)
