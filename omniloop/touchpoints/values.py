from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class StoreTouch:
    """An anonymous scan in a store, replayed through the binding rules once the shopper joins."""

    store_id: int
    assistant_id: int | None
    touchpoint_id: int
    at: datetime


@dataclass(frozen=True)
class SceneContext:
    """What a scan tells us: where the shopper is and who brought them."""

    touchpoint_id: int
    scene: str
    kind: str
    store_id: int | None
    assistant_id: int | None
    product_id: int | None
