from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportResult:
    """What an import did. `created`, `updated` and `unchanged` count the kind's own records
    (stores, SKUs, members, orders); `extra` counts what came with them."""

    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    seconds: float = 0.0
    extra: dict[str, int] = field(default_factory=dict)
