"""The shopper's cart as the pages see it: in the session for an anonymous shopper, the
member's (`orders.cart`) once identified, the session's lines folded in on the first page
after joining. Only SKU codes and quantities are kept, never a price."""

from __future__ import annotations

from django.http import HttpRequest

from omniloop.core.errors import ValidationFailed
from omniloop.members.models import Member
from omniloop.orders.cart import (
    MAX_LINES,
    MAX_QUANTITY,
    cart_add,
    cart_fold_in,
    cart_items,
    cart_set,
    sku_for_cart,
)

CART_KEY = "h5_cart"


def _session_lines(request: HttpRequest) -> dict[str, int]:
    raw = request.session.get(CART_KEY)
    if not isinstance(raw, dict):
        return {}
    return {str(k): int(v) for k, v in raw.items() if isinstance(v, int) and 0 < v <= MAX_QUANTITY}


def shopper_items(request: HttpRequest, member: Member | None) -> list[tuple[str, int]]:
    lines = _session_lines(request)
    if member is None:
        return list(lines.items())
    if lines:
        cart_fold_in(member_id=member.pk, items=lines.items())
        request.session.pop(CART_KEY, None)
    return cart_items(member_id=member.pk)


def shopper_add(request: HttpRequest, member: Member | None, sku_code: str, quantity: int) -> None:
    if member is not None:
        cart_add(member_id=member.pk, sku_code=sku_code, quantity=quantity)
        return
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"A quantity is 1 to {MAX_QUANTITY}.", code="cart_quantity_invalid")
    sku = sku_for_cart(sku_code=sku_code)
    lines = _session_lines(request)
    if sku.sku_code not in lines and len(lines) >= MAX_LINES:
        raise ValidationFailed("The cart is full.", code="cart_full")
    lines[sku.sku_code] = min(lines.get(sku.sku_code, 0) + quantity, MAX_QUANTITY)
    request.session[CART_KEY] = lines


def shopper_set(request: HttpRequest, member: Member | None, sku_code: str, quantity: int) -> None:
    if member is not None:
        cart_set(member_id=member.pk, sku_code=sku_code, quantity=quantity)
        return
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"A quantity is 1 to {MAX_QUANTITY}.", code="cart_quantity_invalid")
    lines = _session_lines(request)
    if quantity == 0:
        lines.pop(sku_code, None)
    elif sku_code in lines:
        lines[sku_code] = quantity
    request.session[CART_KEY] = lines


def shopper_count(request: HttpRequest, member: Member | None) -> int:
    return sum(q for _, q in shopper_items(request, member))
