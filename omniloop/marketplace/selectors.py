"""Reads for marketplace orders: the drift report (R2's consistency check, for orders) and
the coupon codes they carried that we did not honour."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, F

from omniloop.marketplace.models import MarketplaceCouponDrift, MarketplaceOrder

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


@dataclass(frozen=True)
class CouponDriftSummary:
    """Our coupon codes marketplace orders carried that we did not honour (ADR 43)."""

    total: int
    by_reason: list[tuple[str, int]]  # most frequent first
    latest: list[dict[str, object]]  # code, reason, stage, external_id, order_number, channel


def marketplace_coupon_drift(
    *, channel: str | None = None, since: datetime | None = None, limit: int = 10
) -> CouponDriftSummary:
    """How many codes were not honoured, by reason, and the latest few, newest first."""
    qs = MarketplaceCouponDrift.objects.all()
    if channel:
        qs = qs.filter(marketplace_order__channel__code=channel)
    if since is not None:
        qs = qs.filter(recorded_at__gte=since)
    counts = qs.values("reason").annotate(n=Count("pk")).order_by("-n", "reason")
    latest = qs.order_by("-recorded_at", "-pk").values(
        "code",
        "reason",
        "stage",
        "recorded_at",
        external_id=F("marketplace_order__external_id"),
        order_number=F("marketplace_order__order__number"),
        channel=F("marketplace_order__channel__code"),
    )[: max(1, min(limit, MAX_ROWS))]
    by_reason = [(str(row["reason"]), int(row["n"])) for row in counts]
    return CouponDriftSummary(
        total=sum(n for _, n in by_reason),
        by_reason=by_reason,
        latest=[dict(row) for row in latest],
    )
