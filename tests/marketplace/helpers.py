"""A marketplace shop and orders from it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from omniloop.core import clock
from omniloop.marketplace.values import MarketplaceLine, MarketplaceOrderInput, PlatformStatus
from omniloop.stores.models import SalesChannel


def tmall() -> SalesChannel:
    return SalesChannel.objects.create(
        code="tmall-flagship",
        name="天猫旗舰店",
        name_en="Tmall flagship",
        kind=SalesChannel.Kind.MARKETPLACE,
        platform="tmall",
    )


def mp_order(
    external_id: str = "TM-1001",
    lines: tuple[tuple[str, int, str | None], ...] = (("JK100-M", 1, None),),
    *,
    status: PlatformStatus = PlatformStatus.PAID,
    total: str | None = None,
    **kw: Any,
) -> MarketplaceOrderInput:
    """A Tmall order placed an hour ago: lines (sku, quantity, amount the buyer paid or None)."""
    return MarketplaceOrderInput(
        channel=kw.pop("channel", "tmall-flagship"),
        external_id=external_id,
        ordered_at=kw.pop("ordered_at", clock.now() - timedelta(hours=1)),
        lines=tuple(
            MarketplaceLine(sku, q, None, Decimal(a) if a is not None else None)
            for sku, q, a in lines
        ),
        status=status,
        total=Decimal(total) if total is not None else None,
        **kw,
    )
