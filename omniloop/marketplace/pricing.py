"""What a marketplace order records, and where the platform's figures drift from our engine's.

The engine's quote (`promotions.pricing.quote`, the till's and the carts' code path) is always
computed. The platform's figures, when sent, are what the buyer paid: the order records them
and each difference from the quote becomes a `DriftItem` (unit price, a line's amount, the
total). Figures come for every line or for none (`marketplace_figures_partial`); lines and
total must agree with each other (`marketplace_total_mismatch`): that is the platform's data
being inconsistent, not drift."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from omniloop.core.errors import ValidationFailed
from omniloop.marketplace.values import DriftItem, MarketplaceOrderInput
from omniloop.orders.points import allocate
from omniloop.promotions.money import to_yuan
from omniloop.promotions.priced import PricedQuote

CENT = Decimal("0.01")


@dataclass(frozen=True)
class LineFigures:
    sku_id: int
    quantity: int
    unit_price: Decimal
    discount: Decimal
    amount: Decimal


@dataclass(frozen=True)
class OrderFigures:
    lines: tuple[LineFigures, ...]
    shipping: Decimal
    total: Decimal
    discount_total: Decimal
    drift: tuple[DriftItem, ...]


def _money(value: Decimal, field: str) -> Decimal:
    if value < 0 or value != value.quantize(CENT):
        raise ValidationFailed(
            f"{field} must be a non-negative amount with at most 2 decimals.",
            code="amount_invalid",
            extra={"field": field},
        )
    return value


def _engine_figures(priced: PricedQuote) -> OrderFigures:
    q = priced.quote
    lines = tuple(
        LineFigures(
            sku_id=ql.sku_id,
            quantity=ql.quantity,
            unit_price=to_yuan(ql.unit_price),
            discount=to_yuan(ql.discount),
            amount=to_yuan(ql.total),
        )
        for ql in q.lines
    )
    return OrderFigures(
        lines=lines,
        shipping=to_yuan(q.shipping - q.shipping_discount),
        total=priced.total,
        discount_total=priced.discount_total,
        drift=(),
    )


def order_figures(data: MarketplaceOrderInput, priced: PricedQuote) -> OrderFigures:
    """The figures the order records (the platform's, else the engine's) and the drift."""
    ours = _engine_figures(priced)
    _money(data.shipping, "shipping")
    given = [li.amount is not None for li in data.lines]
    if any(given) and not all(given):
        raise ValidationFailed(
            "Send every line's amount or none.", code="marketplace_figures_partial"
        )
    if not any(given):
        if data.total is None:
            return ours
        _money(data.total, "total")
        if data.total == ours.total:
            return ours
        return _spread_total(data.total, ours)
    drift: list[DriftItem] = []
    lines: list[LineFigures] = []
    codes = priced.basket.sku_codes
    for i, (li, mine) in enumerate(zip(data.lines, ours.lines, strict=True)):
        amount = _money(li.amount or Decimal(0), f"lines[{i}].amount")
        unit = mine.unit_price
        if li.unit_price is not None:
            unit = _money(li.unit_price, f"lines[{i}].unit_price")
            if unit != mine.unit_price:
                drift.append(DriftItem("unit_price", unit, mine.unit_price, i, codes[i]))
        if amount != mine.amount:
            drift.append(DriftItem("amount", amount, mine.amount, i, codes[i]))
        discount = max(unit * li.quantity - amount, Decimal("0.00"))
        lines.append(LineFigures(mine.sku_id, li.quantity, unit, discount, amount))
    lines_total = sum((line.amount for line in lines), Decimal("0.00"))
    total = lines_total + data.shipping
    if data.total is not None and _money(data.total, "total") != total:
        raise ValidationFailed(
            f"The lines and shipping come to {total}, not {data.total}.",
            code="marketplace_total_mismatch",
            extra={"lines_and_shipping": str(total)},
        )
    if total != ours.total:
        drift.append(DriftItem("total", total, ours.total))
    return OrderFigures(
        lines=tuple(lines),
        shipping=data.shipping,
        total=total,
        discount_total=sum((line.discount for line in lines), Decimal("0.00")),
        drift=tuple(drift),
    )


def _spread_total(total: Decimal, ours: OrderFigures) -> OrderFigures:
    """Only a total from the platform: its money, spread over the lines as our quote spreads
    it, the difference flagged."""
    goods = total - ours.shipping
    if goods < 0:
        raise ValidationFailed(
            f"The total {total} is less than the shipping {ours.shipping}.",
            code="marketplace_total_mismatch",
        )
    weights = [line.amount for line in ours.lines]
    if not any(weights):
        weights = [line.unit_price * line.quantity + CENT for line in ours.lines]
    shares = allocate(goods, weights)
    lines = tuple(
        LineFigures(
            line.sku_id,
            line.quantity,
            line.unit_price,
            max(line.unit_price * line.quantity - share, Decimal("0.00")),
            share,
        )
        for line, share in zip(ours.lines, shares, strict=True)
    )
    return OrderFigures(
        lines=lines,
        shipping=ours.shipping,
        total=total,
        discount_total=sum((line.discount for line in lines), Decimal("0.00")),
        drift=(DriftItem("total", total, ours.total),),
    )
