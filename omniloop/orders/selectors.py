from __future__ import annotations

from django.db.models import QuerySet

from omniloop.orders.models import Order


def member_orders(*, member_id: int, limit: int = 100) -> QuerySet[Order]:
    return (Order.objects.select_related("channel", "store", "credited_store",
                                         "credited_assistant")
            .prefetch_related("lines__sku__product")
            .filter(member_id=member_id).order_by("-ordered_at")[:limit])


def order_count_for_member(*, member_id: int) -> int:
    return Order.objects.filter(member_id=member_id).count()
