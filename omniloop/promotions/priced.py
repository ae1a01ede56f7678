"""A priced basket: the engine's quote with what it was priced from, as `pricing.quote` and
`pricing.product_unit_quotes` return it to the interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cached_property

from omniloop.promotions.coupon_values import CouponProblem
from omniloop.promotions.money import to_yuan
from omniloop.promotions.values import Adjustment, Candidate, LineIn, Quote, Rejection


@dataclass(frozen=True)
class Basket:
    """Resolved basket lines, with the SKU code of every line (as the catalog spells it)."""

    lines: tuple[LineIn, ...]
    sku_codes: tuple[str, ...]


@dataclass(frozen=True)
class PricedQuote:
    """The engine's quote with what it was priced from, and yuan renderings for interfaces."""

    quote: Quote
    basket: Basket
    candidates: tuple[Candidate, ...]
    coupon_problems: tuple[CouponProblem, ...]
    gift_sku_codes: dict[int, str]
    channel: str
    store_id: int | None
    member_id: int | None
    at: datetime

    @staticmethod
    def yuan(fen: int) -> Decimal:
        return to_yuan(fen)

    @property
    def total(self) -> Decimal:
        return to_yuan(self.quote.total)

    @property
    def discount_total(self) -> Decimal:
        return to_yuan(self.quote.discount + self.quote.shipping_discount)

    @cached_property
    def _by_key(self) -> dict[tuple[int, int | None], Candidate]:
        out: dict[tuple[int, int | None], Candidate] = {}
        for c in self.candidates:
            out.setdefault((c.rule.id, c.coupon_id), c)
        return out

    def _candidate(self, offer_id: int, coupon_id: int | None) -> Candidate | None:
        return self._by_key.get((offer_id, coupon_id))

    def coupon_code(self, item: Adjustment | Rejection) -> str | None:
        """The presented code behind an applied or rejected offer (None for automatic ones)."""
        c = self._candidate(item.offer_id, item.coupon_id)
        return c.code if c else None

    def offer_name(self, item: Adjustment | Rejection) -> str:
        c = self._candidate(item.offer_id, item.coupon_id)
        return c.rule.name if c else ""

    @property
    def coupons_used(self) -> list[tuple[Candidate, int]]:
        """Presented coupons that applied, with the discount (fen) each gave: what
        `coupons_redeem` records."""
        used = []
        for a in self.quote.applied:
            c = self._candidate(a.offer_id, a.coupon_id)
            if c is not None and c.code is not None:
                used.append((c, a.amount + a.shipping))
        return used

    @property
    def coupons_not_applied(self) -> list[tuple[str, str]]:
        """(code, engine reason) for presented, valid coupons that the engine did not apply."""
        out = []
        for r in self.quote.rejected:
            c = self._candidate(r.offer_id, r.coupon_id)
            if c is not None and c.code is not None:
                out.append((c.code, r.reason.value))
        return out
