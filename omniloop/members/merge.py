"""Member merging across apps without upward imports.

Apps that hold rows pointing at a member (scans, bindings, points, orders, coupons, flash sales,
group buys) register a handler in their AppConfig.ready(). `member_merge` calls every handler
inside its transaction, so a merge moves everything or nothing. The registry is explicit and
listed in ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from omniloop.members.models import Member

MergeCounts = int | Mapping[str, int]
MergeHandler = Callable[["Member", "Member"], MergeCounts]
_handlers: dict[str, MergeHandler] = {}


def register_merge_handler(name: str, handler: MergeHandler) -> None:
    """`handler(survivor, merged)` moves the app's rows and returns how many it moved: one count
    (recorded under `name`) or counts by what moved (recorded under their own keys, which the
    handler chooses to be its own, e.g. `flash_claims`)."""
    _handlers[name] = handler


def merge_handlers() -> dict[str, MergeHandler]:
    return dict(_handlers)
