"""What each offer kind takes off, one small function per kind (Oscar's benefit strategies,
chosen from a registry, without dynamic loading by name).

Each function gets the in-scope lines' current bases (fen, after earlier discounts when the offer
compounds, else list prices capped at what is left) and returns the discount per line. The engine
caps every line at what is left on it, so no benefit can push a line below zero."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from omniloop.promotions.money import percent_of, split
from omniloop.promotions.values import OfferKind, PricingContext, Reason


@dataclass(frozen=True)
class ScopedLine:
    index: int
    quantity: int
    unit_base: int  # fen per unit the discount is computed on
    sku_id: int

    @property
    def base(self) -> int:
        return self.unit_base * self.quantity


class NotMet(Exception):
    """The offer's own condition (minimum spend, quantity, tier) is not met."""

    def __init__(self, reason: Reason = Reason.THRESHOLD_NOT_MET) -> None:
        super().__init__(reason)
        self.reason = reason


Benefit = Callable[[list[ScopedLine], dict[str, Any], PricingContext], list[int]]


def _spend(lines: list[ScopedLine]) -> int:
    return sum(line.base for line in lines)


def _require_spend(lines: list[ScopedLine], params: dict[str, Any]) -> int:
    spend = _spend(lines)
    if spend < int(params.get("min_spend", 0)):
        raise NotMet
    return spend


def amount_off(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    spend = _require_spend(lines, params)
    return split(min(int(params["amount"]), spend), [line.base for line in lines])


def percent_off(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    """`pay_percent` 80 means 8折: 20% off each line (rounded per line), then the cap."""
    _require_spend(lines, params)
    off = Decimal(100) - Decimal(str(params["pay_percent"]))
    per_line = [percent_of(line.base, off) for line in lines]
    cap = params.get("cap")
    if cap is not None and sum(per_line) > int(cap):
        return split(int(cap), [line.base for line in lines])
    return per_line


def threshold(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    """Tiers [[min_spend, off], ...]: the highest tier met applies (满300减50, 满500减100).
    With `repeat_every` and `repeat_off`: 每满200减20, optionally capped by `cap`."""
    spend = _spend(lines)
    if "repeat_every" in params:
        times = spend // int(params["repeat_every"])
        total = times * int(params["repeat_off"])
        if params.get("cap") is not None:
            total = min(total, int(params["cap"]))
    else:
        met = [int(off) for min_spend, off in params["tiers"] if spend >= int(min_spend)]
        total = max(met, default=0)
    if total <= 0:
        raise NotMet
    return split(min(total, spend), [line.base for line in lines])


def buy_x_get_y(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    """For every `buy` + `get` units in scope, the `get` cheapest are `get_pay_percent`% paid
    (0 = free)."""
    buy, get = int(params["buy"]), int(params["get"])
    units = sorted(
        ((line.unit_base, i) for i, line in enumerate(lines) for _ in range(line.quantity))
    )
    free = (len(units) // (buy + get)) * get
    if free == 0:
        raise NotMet
    off = Decimal(100) - Decimal(str(params.get("get_pay_percent", 0)))
    per_line = [0] * len(lines)
    for unit_base, i in units[:free]:
        per_line[i] += percent_of(unit_base, off)
    return per_line


def by_tier(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    """Member price / member extra discount: `pay_percent_by_tier` {"gold": 90} -> 10% off."""
    pay = params["pay_percent_by_tier"].get(ctx.tier or "")
    if pay is None:
        raise NotMet(Reason.TIER_NOT_ELIGIBLE if ctx.member_id else Reason.MEMBERS_ONLY)
    off = Decimal(100) - Decimal(str(pay))
    return [percent_of(line.base, off) for line in lines]


def fixed_price(lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext) -> list[int]:
    """Clearance or special price: each unit costs `price` (or `sku_prices[sku_id]`)."""
    prices = {int(k): int(v) for k, v in params.get("sku_prices", {}).items()}
    out = []
    for line in lines:
        price = prices.get(line.sku_id, params.get("price"))
        out.append(0 if price is None else max(0, line.unit_base - int(price)) * line.quantity)
    return out


def no_line_discount(
    lines: list[ScopedLine], params: dict[str, Any], ctx: PricingContext
) -> list[int]:
    """Gift and free shipping take nothing off the lines; the engine handles their effect."""
    _require_spend(lines, params)
    return [0] * len(lines)


BENEFITS: dict[OfferKind, Benefit] = {
    OfferKind.AMOUNT_OFF: amount_off,
    OfferKind.PERCENT_OFF: percent_off,
    OfferKind.THRESHOLD: threshold,
    OfferKind.BUY_X_GET_Y: buy_x_get_y,
    OfferKind.MEMBER_PRICE: by_tier,
    OfferKind.MEMBER_EXTRA: by_tier,
    OfferKind.FIXED_PRICE: fixed_price,
    OfferKind.GIFT: no_line_discount,
    OfferKind.FREE_SHIPPING: no_line_discount,
}
