"""A member's cart (购物车): SKUs and quantities, never prices (the engine prices the cart every
time it is shown). Anonymous shoppers keep theirs in the session (`h5.cart_session`); it is
folded in here once they are identified."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F

from omniloop.catalog.models import Sku
from omniloop.core import clock
from omniloop.core.errors import ValidationFailed
from omniloop.members.models import Member
from omniloop.orders.models import CartLine

MAX_QUANTITY = 99
MAX_LINES = 50


def _check_quantity(quantity: int) -> int:
    if not 0 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(f"A quantity is 1 to {MAX_QUANTITY}.", code="cart_quantity_invalid")
    return quantity


def sku_for_cart(*, sku_code: str) -> Sku:
    """An active SKU of a product on sale, or `cart_sku_unavailable`."""
    sku = (
        Sku.objects.select_related("product")
        .filter(sku_code=sku_code, active=True, product__status="active")
        .first()
    )
    if sku is None:
        raise ValidationFailed("This item is not available.", code="cart_sku_unavailable")
    return sku


def cart_items(*, member_id: int) -> list[tuple[str, int]]:
    """(SKU code, quantity) in the order they were added."""
    return list(
        CartLine.objects.filter(member_id=member_id)
        .order_by("added_at", "pk")
        .values_list("sku__sku_code", "quantity")
    )


@transaction.atomic
def cart_add(*, member_id: int, sku_code: str, quantity: int = 1) -> None:
    """Add `quantity` of a SKU (adding to a line already there, up to the limit)."""
    _check_quantity(quantity)
    sku = sku_for_cart(sku_code=sku_code)
    if CartLine.objects.filter(member_id=member_id).count() >= MAX_LINES and not (
        CartLine.objects.filter(member_id=member_id, sku=sku).exists()
    ):
        raise ValidationFailed("The cart is full.", code="cart_full")
    try:
        with transaction.atomic():
            CartLine.objects.create(
                member_id=member_id, sku=sku, quantity=quantity, added_at=clock.now()
            )
            return
    except IntegrityError:
        pass
    CartLine.objects.filter(member_id=member_id, sku=sku).update(quantity=F("quantity") + quantity)
    CartLine.objects.filter(member_id=member_id, sku=sku, quantity__gt=MAX_QUANTITY).update(
        quantity=MAX_QUANTITY
    )


def cart_set(*, member_id: int, sku_code: str, quantity: int) -> None:
    """Set a line's quantity; 0 removes it."""
    _check_quantity(quantity)
    lines = CartLine.objects.filter(member_id=member_id, sku__sku_code=sku_code)
    if quantity == 0:
        lines.delete()
    else:
        lines.update(quantity=quantity)


@transaction.atomic
def cart_fold_in(*, member_id: int, items: Iterable[tuple[str, int]]) -> None:
    """A session cart joins the member's: quantities add up; unavailable SKUs are dropped."""
    for sku_code, quantity in items:
        try:
            cart_add(member_id=member_id, sku_code=sku_code, quantity=min(quantity, MAX_QUANTITY))
        except ValidationFailed:
            continue


def cart_remove_ordered(*, member_id: int, sku_codes: Iterable[str]) -> int:
    deleted, _ = CartLine.objects.filter(
        member_id=member_id, sku__sku_code__in=list(sku_codes)
    ).delete()
    return deleted


def merge_carts(survivor: Member, merged: Member) -> int:
    """Merge handler: the duplicate's lines join the survivor's cart."""
    items = cart_items(member_id=merged.pk)
    CartLine.objects.filter(member=merged).delete()
    cart_fold_in(member_id=survivor.pk, items=items)
    return len(items)
