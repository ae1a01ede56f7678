"""Holdout assignment by a stable hash (ADR 30).

A member's draw is `u = splitmix64(salt XOR (member_id * golden)) / 2**64`, a number in [0, 1)
that depends only on the campaign's salt and the member id: a rerun, a retry or a second worker
puts every member in the same group, and without storing anything first. The member is held out
when `u < share`. The brand-wide control group is the same draw with the brand's salt, so it is
the same members for every campaign that honours it. Vectorised with numpy (a million members
in a few tens of milliseconds); `draw` is the one-member form and gives the same numbers."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from decimal import Decimal

import numpy as np

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def new_salt() -> int:
    """A salt for a new campaign (a positive signed 63-bit integer, to fit a bigint)."""
    return secrets.randbits(63)


def _splitmix(z: int) -> int:
    z = (z + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _M1) & _MASK
    z = ((z ^ (z >> 27)) * _M2) & _MASK
    return z ^ (z >> 31)


def draw(salt: int, member_id: int) -> float:
    """The member's number in [0, 1) under `salt`."""
    z = (salt & _MASK) ^ ((member_id * _GOLDEN) & _MASK)
    return (_splitmix(z) >> 11) / float(1 << 53)


def draws(salt: int, member_ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """`draw` for many members at once (uint64 arithmetic wraps modulo 2**64, as wanted)."""
    ids = np.asarray(member_ids, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(salt & _MASK) ^ (ids * np.uint64(_GOLDEN))
        z = z + np.uint64(_GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def held_out(
    salt: int, share: Decimal | float, member_ids: Sequence[int] | np.ndarray
) -> np.ndarray:
    """A boolean per member: True for the held-out ones."""
    return draws(salt, member_ids) < float(share)
