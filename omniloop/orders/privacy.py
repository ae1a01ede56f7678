"""A member's orders, for their data export and erasure. Orders are kept on erasure (accounts
and tax need them) against the member's pseudonymous tombstone; what identifies the person in
them, the delivery address (recipient, phone, street), is erased once the order is done with.
An order still on its way keeps its address until it is finished: `orders_erase_sweep` (daily)
erases those of erased members then."""

from __future__ import annotations

from typing import Any

from omniloop.core.phones import Phone
from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.orders.models_online import OrderAddress

# An address is still needed to deliver or to take a return back while the order is open.
_OPEN = (Order.Status.PENDING, Order.Status.PAID, Order.Status.READY, Order.Status.SHIPPED)
_ERASED = {"recipient": "", "phone_encrypted": b"", "phone_masked": "", "line": "", "postcode": ""}


def _address(order: Order) -> dict[str, Any] | None:
    address: OrderAddress | None = getattr(order, "address", None)
    if address is None or not address.recipient:
        return None
    phone = Phone.decrypt(bytes(address.phone_encrypted)).e164 if address.phone_encrypted else ""
    return {
        "recipient": address.recipient,
        "phone": phone,
        "region": address.region,
        "line": address.line,
        "postcode": address.postcode,
    }


def orders_export(member: Member) -> list[dict[str, Any]]:
    orders = (
        Order.objects.filter(member=member)
        .select_related("channel", "store", "address")
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
            "address": _address(o),
            "lines": [
                {"sku": li.sku.sku_code, "quantity": li.quantity, "amount": str(li.amount)}
                for li in o.lines.all()
            ],
        }
        for o in orders
    ]


def orders_erase(member: Member) -> int:
    """Eraser: blank the delivery addresses of the member's finished orders (the region stays,
    for the brand's regional figures). Returns the addresses erased."""
    return (
        OrderAddress.objects.filter(order__member=member)
        .exclude(order__status__in=_OPEN)
        .exclude(recipient="", phone_masked="", line="")
        .update(**_ERASED)
    )


def orders_erase_sweep() -> int:
    """Daily: addresses of erased members' orders that have finished since the erasure."""
    return (
        OrderAddress.objects.filter(order__member__status=Member.Status.ERASED)
        .exclude(order__status__in=_OPEN)
        .exclude(recipient="", phone_masked="", line="")
        .update(**_ERASED)
    )
