"""The lottery draw as a pure function (ADR 32): anyone holding the revealed seed and the
recorded entry ids can recompute the winners, in any language, with SHA-256 alone.

Each entry's rank is SHA-256(seed || ":" || entry id); the `k` lowest ranks win. With the seed
unknown to everyone until the entries are fixed, every ordering of the ranks is equally likely,
so every eligible entry has the same chance k/n, and the winners are a uniform k-subset. A
hash-rank rather than numpy's `Generator.choice`: numpy does not promise the same stream across
versions for its distribution methods, and a draw must verify years later."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence

ALGORITHM = "sha256-rank-v1"


def seed_new() -> str:
    """32 random bytes as hex: the committed seed."""
    return secrets.token_hex(32)


def seed_commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def entry_rank(seed: str, entry_id: int) -> str:
    return hashlib.sha256(f"{seed}:{entry_id}".encode("ascii")).hexdigest()


def draw_winners(*, seed: str, entry_ids: Sequence[int], k: int) -> list[int]:
    """The winners among `entry_ids` (order and duplicates do not matter), lowest rank first."""
    ids = sorted(set(int(i) for i in entry_ids))
    ranked = sorted(ids, key=lambda i: (entry_rank(seed, i), i))
    return ranked[: max(0, k)]
