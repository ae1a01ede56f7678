"""Segments (人群) as an offer's scope (会员人群专享).

Segments live in `insights`, above promotions; it registers here how to answer, for one member,
which of some segments they are in (each segment's latest materialised version, so an offer
follows the segment as it is refreshed) and which slugs exist. Without a provider no member is
in any segment, and no slug is known."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class SegmentProvider(Protocol):
    def member_in(self, member_id: int, slugs: frozenset[str]) -> frozenset[str]: ...

    def known(self, slugs: Iterable[str]) -> frozenset[str]: ...


_provider: SegmentProvider | None = None


def register_segment_provider(provider: SegmentProvider) -> None:
    global _provider
    _provider = provider


def member_segments(*, member_id: int | None, slugs: frozenset[str]) -> frozenset[str]:
    """Which of `slugs` the member is in (none without a member or a provider)."""
    if member_id is None or not slugs or _provider is None:
        return frozenset()
    return _provider.member_in(member_id, slugs)


def unknown_segments(slugs: Iterable[str]) -> list[str]:
    wanted = set(slugs)
    known = _provider.known(wanted) if _provider is not None and wanted else frozenset()
    return sorted(wanted - known)
