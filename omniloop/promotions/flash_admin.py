"""Setting up and steering flash sales: create, pause, resume, end; and reading one."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from omniloop.catalog.models import Sku
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.promotions import flash_gate
from omniloop.promotions.flash_values import MAX_QUANTITY, flash_not_found
from omniloop.promotions.models import FlashSale


def flash_sale_get(*, flash_sale_id: int) -> FlashSale:
    sale = FlashSale.objects.select_related("sku").filter(pk=flash_sale_id).first()
    if sale is None:
        raise flash_not_found()
    return sale


def flash_sale_create(
    *,
    name: str,
    sku_id: int,
    price: Decimal,
    stock: int,
    starts_at: datetime,
    ends_at: datetime,
    per_member_limit: int = 1,
    hold_minutes: int = 15,
    active: bool = True,
) -> FlashSale:
    if not name.strip() or len(name) > 100:
        raise ValidationFailed("Give the flash sale a name.", code="flash_name_invalid")
    if not isinstance(price, Decimal) or price < 0 or price != price.quantize(Decimal("0.01")):
        raise ValidationFailed("The price must be zero or more, in fen.", code="price_invalid")
    if not 1 <= stock <= 10_000_000:
        raise ValidationFailed("The stock must be between 1 and 10,000,000.", code="stock_invalid")
    if not 1 <= per_member_limit <= MAX_QUANTITY:
        raise ValidationFailed(
            f"The per-member limit must be between 1 and {MAX_QUANTITY}.", code="limit_invalid"
        )
    if not 1 <= hold_minutes <= 24 * 60:
        raise ValidationFailed("Hold between 1 minute and a day.", code="hold_minutes_invalid")
    if starts_at.tzinfo is None or ends_at.tzinfo is None or starts_at >= ends_at:
        raise ValidationFailed(
            "The window needs a start before its end, with time zones.", code="window_invalid"
        )
    if not Sku.objects.filter(pk=sku_id).exists():
        raise NotFound("No such SKU.", code="sku_not_found")
    return FlashSale.objects.create(
        name=name.strip(),
        sku_id=sku_id,
        price=price,
        stock_total=stock,
        stock_left=stock,
        per_member_limit=per_member_limit,
        starts_at=starts_at,
        ends_at=ends_at,
        hold_minutes=hold_minutes,
        status=FlashSale.Status.ACTIVE if active else FlashSale.Status.DRAFT,
    )


def _set_status(flash_sale_id: int, to: str, allowed_from: tuple[str, ...]) -> FlashSale:
    with transaction.atomic():
        changed = FlashSale.objects.filter(pk=flash_sale_id, status__in=allowed_from).update(
            status=to
        )
        sale = FlashSale.objects.filter(pk=flash_sale_id).first()
    if sale is None:
        raise flash_not_found()
    if not changed and sale.status != to:
        if sale.status == FlashSale.Status.ENDED:
            raise Conflict("This flash sale has ended.", code="flash_ended")
        raise Conflict(f"A {sale.status} flash sale cannot be {to}.", code="flash_status_invalid")
    return sale


def flash_sale_pause(*, flash_sale_id: int) -> FlashSale:
    """Stop claims for now (stock and holds stay as they are). Pausing twice is a no-op."""
    return _set_status(flash_sale_id, FlashSale.Status.PAUSED, (FlashSale.Status.ACTIVE,))


def flash_sale_resume(*, flash_sale_id: int) -> FlashSale:
    """Open a paused (or draft) sale to claims again. Resuming an active sale is a no-op."""
    return _set_status(
        flash_sale_id, FlashSale.Status.ACTIVE, (FlashSale.Status.PAUSED, FlashSale.Status.DRAFT)
    )


def flash_sale_end(*, flash_sale_id: int) -> FlashSale:
    """End a sale early, for good. Held claims may still be paid until they expire."""
    sale = _set_status(
        flash_sale_id,
        FlashSale.Status.ENDED,
        (FlashSale.Status.ACTIVE, FlashSale.Status.PAUSED, FlashSale.Status.DRAFT),
    )
    transaction.on_commit(lambda: flash_gate.forget(flash_sale_id))
    return sale
