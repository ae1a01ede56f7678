"""Reads for the member's online order pages."""

from __future__ import annotations

from django.db.models import QuerySet

from omniloop.core.errors import NotFound
from omniloop.orders.models import Order


def member_order_get(*, member_id: int, number: str) -> Order:
    """One of the member's orders with its lines, history, address and payments; another
    member's order is `order_not_found` (404), as if it did not exist."""
    order = (
        Order.objects.select_related("channel", "store", "address")
        .prefetch_related("lines__sku__product", "status_changes", "payments")
        .filter(member_id=member_id, number=number)
        .first()
    )
    if order is None:
        raise NotFound("No such order.", code="order_not_found")
    return order


def member_order_list(*, member_id: int, limit: int = 50) -> QuerySet[Order]:
    return (
        Order.objects.select_related("channel", "store")
        .prefetch_related("lines__sku__product")
        .filter(member_id=member_id)
        .order_by("-ordered_at", "-pk")[:limit]
    )
