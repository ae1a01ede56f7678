"""A member's orders, for their data export. Orders are kept on erasure (accounts and tax need
them) against the member's pseudonymous tombstone."""

from __future__ import annotations

from typing import Any

from omniloop.members.models import Member
from omniloop.orders.models import Order


def orders_export(member: Member) -> list[dict[str, Any]]:
    orders = (
        Order.objects.filter(member=member)
        .select_related("channel", "store")
        .prefetch_related("lines__sku")
        .order_by("ordered_at", "pk")
    )
    return [
        {
            "number": o.number,
            "ordered_at": o.ordered_at.isoformat(),
            "channel": o.channel.code,
            "store": o.store.code if o.store else None,
            "status": o.status,
            "total": str(o.total),
            "discount_total": str(o.discount_total),
            "points_redeemed": o.points_redeemed,
            "points_earned": o.points_earned,
            "refunded_total": str(o.refunded_total),
            "lines": [
                {"sku": li.sku.sku_code, "quantity": li.quantity, "amount": str(li.amount)}
                for li in o.lines.all()
            ],
        }
        for o in orders
    ]
