"""Member merging across apps without upward imports.

Apps that hold rows pointing at a member (scans, bindings, points, orders, coupons, flash sales,
group buys) register a handler in their AppConfig.ready(). `member_merge` calls every handler
inside its transaction, so a merge moves everything or nothing. The registry is explicit and
listed in ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import attrgetter
from typing import TYPE_CHECKING, TypeVar

from django.db import models

if TYPE_CHECKING:
    from omniloop.members.models import Member

_Row = TypeVar("_Row", bound=models.Model)

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


def merge_unique_rows(
    model: type[_Row],
    *,
    key: str,
    survivor: Member,
    merged: Member,
    order_by: Sequence[str],
) -> tuple[int, list[tuple[_Row, _Row]]]:
    """For a handler whose rows (with a `member` foreign key) are unique per (`key`, member):
    lock both members' rows for the keys the merged member has (in `order_by`, the app's lock
    order), move the merged member's rows where the survivor has none, delete them where it has
    one, and return those collisions as (merged member's row, survivor's row) for the handler to
    fold into the survivor's. Returns (the merged member's rows moved or folded, collisions)."""
    rows = model._default_manager.select_for_update().filter(
        **{f"{key}__in": model._default_manager.filter(member=merged).values(key)},
        member_id__in=[survivor.pk, merged.pk],
    )
    locked = list(rows.order_by(*order_by))
    key_of, member_of = attrgetter(key), attrgetter("member_id")
    kept = {key_of(r): r for r in locked if member_of(r) == survivor.pk}
    theirs = [r for r in locked if member_of(r) == merged.pk]
    collisions = [(r, kept[key_of(r)]) for r in theirs if key_of(r) in kept]
    folded = [r.pk for r, _ in collisions]
    model._default_manager.filter(pk__in=folded).delete()
    model._default_manager.filter(pk__in=[r.pk for r in theirs if r.pk not in folded]).update(
        member=survivor
    )
    return len(theirs), collisions
