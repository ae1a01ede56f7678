"""Reads for marketplace orders: the drift report (R2's consistency check, for orders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from omniloop.marketplace.models import MarketplaceOrder

MAX_ROWS = 500


@dataclass(frozen=True)
class DriftRow:
    channel: str
    external_id: str
    order_number: str
    imported_at: datetime
    marketplace_total: Decimal | None
    engine_total: Decimal
    drift: list[dict[str, object]]


def marketplace_drift(
    *, channel: str | None = None, since: datetime | None = None, limit: int = 100
) -> list[DriftRow]:
    """Imported orders whose platform figures differ from our engine's, newest first."""
    qs = MarketplaceOrder.objects.filter(has_drift=True).select_related("channel", "order")
    if channel:
        qs = qs.filter(channel__code=channel)
    if since is not None:
        qs = qs.filter(imported_at__gte=since)
    return [
        DriftRow(
            channel=mp.channel.code,
            external_id=mp.external_id,
            order_number=mp.order.number,
            imported_at=mp.imported_at,
            marketplace_total=mp.marketplace_total,
            engine_total=mp.engine_total,
            drift=list(mp.drift),
        )
        for mp in qs.order_by("-imported_at", "-pk")[: max(1, min(limit, MAX_ROWS))]
    ]
