"""Member merging across apps without upward imports.

Apps that hold rows pointing at a member (scans, bindings, points, orders) register a handler in
their AppConfig.ready(). `member_merge` calls every handler inside its transaction, so a merge
moves everything or nothing. The registry is explicit and listed in ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omniloop.members.models import Member

MergeHandler = Callable[["Member", "Member"], int]
_handlers: dict[str, MergeHandler] = {}


def register_merge_handler(name: str, handler: MergeHandler) -> None:
    """`handler(survivor, merged)` moves the app's rows and returns how many it moved."""
    _handlers[name] = handler


def merge_handlers() -> dict[str, MergeHandler]:
    return dict(_handlers)
