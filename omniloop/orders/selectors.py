from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from omniloop.accounts.access import Actor
from omniloop.orders.models import Order
from omniloop.stores.models import SalesChannel


def member_orders(*, member_id: int, limit: int = 100) -> QuerySet[Order]:
    return (
        Order.objects.select_related("channel", "store", "credited_store", "credited_assistant")
        .prefetch_related("lines__sku__product")
        .filter(member_id=member_id)
        .order_by("-ordered_at")[:limit]
    )


def order_count_for_member(*, member_id: int) -> int:
    return Order.objects.filter(member_id=member_id).count()


def till_sales_summary(*, actor: Actor, since: datetime) -> tuple[int, Decimal]:
    """Completed till sales since `since` in the actor's scope: (count, total)."""
    qs = Order.objects.filter(
        channel__kind=SalesChannel.Kind.STORE_TILL,
        status=Order.Status.COMPLETED,
        ordered_at__gte=since,
    )
    if not actor.is_hq:
        qs = qs.filter(store_id=actor.own_store_id)
    agg = qs.aggregate(n=Count("pk"), total=Sum("total"))
    return int(agg["n"] or 0), agg["total"] or Decimal("0")
