from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SceneContext:
    """What a scan tells us: where the shopper is and who brought them."""

    touchpoint_id: int
    scene: str
    kind: str
    store_id: int | None
    assistant_id: int | None
    product_id: int | None
