"""Values the pricing engine works on. Money is integer fen (分) inside the engine: exact, and
rounding happens in one documented place (`money.split`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from typing import Any


class OfferKind(StrEnum):
    AMOUNT_OFF = "amount_off"  # ¥Y off in-scope items (立减), optional minimum spend
    PERCENT_OFF = "percent_off"  # pay N% (N折), optional cap; sitewide when scope is all
    THRESHOLD = "threshold"  # 满X减Y, tiered, or repeating 每满X减Y
    GIFT = "gift"  # 满X赠: a gift SKU at zero
    BUY_X_GET_Y = "buy_x_get_y"  # buy X, the Y cheapest free or discounted
    MEMBER_PRICE = "member_price"  # member discount by tier, on list price
    MEMBER_EXTRA = "member_extra"  # 会员折上折: extra % by tier, on the already discounted price
    FIXED_PRICE = "fixed_price"  # clearance / special price per unit
    FREE_SHIPPING = "free_shipping"  # 包邮, optional minimum spend


class Reason(StrEnum):
    """Why a candidate did not apply: stable codes the till and the H5 cart show."""

    NOT_STARTED = "offer_not_started"
    ENDED = "offer_ended"
    OUTSIDE_HOURS = "offer_outside_hours"
    WRONG_CHANNEL = "offer_wrong_channel"
    WRONG_STORE = "offer_wrong_store"
    MEMBERS_ONLY = "offer_members_only"
    TIER_NOT_ELIGIBLE = "offer_tier_not_eligible"
    SEGMENT_NOT_ELIGIBLE = "offer_segment_not_eligible"
    NO_ELIGIBLE_ITEMS = "offer_no_eligible_items"
    THRESHOLD_NOT_MET = "offer_threshold_not_met"
    COUPON_REQUIRED = "offer_coupon_required"
    SAME_STACKING_GROUP = "offer_same_stacking_group"
    EXCLUSIVE_APPLIED = "offer_exclusive_applied"
    BETTER_STACK_APPLIED = "offer_better_combination_applied"
    NOTHING_LEFT = "offer_nothing_left_to_discount"
    NO_DISCOUNT = "offer_no_discount"


@dataclass(frozen=True)
class LineIn:
    sku_id: int
    product_id: int
    category_ids: frozenset[int]
    quantity: int
    unit_price: int  # fen, from the catalog (never from the client)
    collection_ids: frozenset[int] = frozenset()  # the collections (商品合集) its product is in


@dataclass(frozen=True)
class Window:
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    weekdays: frozenset[int] = frozenset()  # 0=Monday; empty = every day
    daily_start: time | None = None  # store-local
    daily_end: time | None = None


@dataclass(frozen=True)
class OfferRule:
    id: int
    name: str
    kind: OfferKind
    params: dict[str, Any]
    all_products: bool = True
    product_ids: frozenset[int] = frozenset()
    category_ids: frozenset[int] = frozenset()
    collection_ids: frozenset[int] = frozenset()
    channels: frozenset[str] = frozenset()  # channel codes; empty = every channel
    store_ids: frozenset[int] = frozenset()  # empty = every store and online
    tiers: frozenset[str] = frozenset()  # empty = everyone (members or not)
    segments: frozenset[str] = frozenset()  # segment slugs, any one; empty = everyone
    requires_member: bool = False
    window: Window = field(default_factory=Window)
    stacking_group: str = ""
    exclusive: bool = False
    priority: int = 100
    compound: bool = False  # True: computed on the price after earlier discounts
    max_discount: int | None = None  # fen per order
    coupon_only: bool = False

    def in_scope(self, line: LineIn) -> bool:
        """All products, or the line's product is listed, or it is in a listed category (or
        below one), or in a listed collection: any one of them is enough."""
        return (
            self.all_products
            or line.product_id in self.product_ids
            or bool(line.category_ids & self.category_ids)
            or bool(line.collection_ids & self.collection_ids)
        )


@dataclass(frozen=True)
class Candidate:
    rule: OfferRule
    coupon_id: int | None = None  # set when the rule comes from a presented single-use coupon
    code: str | None = None  # the presented code (single-use or shared)


@dataclass(frozen=True)
class PricingContext:
    channel: str
    store_id: int | None
    member_id: int | None
    tier: str | None
    local_now: datetime  # aware, in the store's (or brand's) time zone
    shipping: int = 0  # fen
    segments: frozenset[str] = frozenset()  # the member's, among those the candidates name


@dataclass(frozen=True)
class Adjustment:
    offer_id: int
    coupon_id: int | None
    name: str
    amount: int  # fen, > 0
    per_line: tuple[int, ...]  # fen per basket line, summing to `amount` (0 for shipping)
    shipping: int = 0


@dataclass(frozen=True)
class Rejection:
    offer_id: int
    coupon_id: int | None
    reason: Reason


@dataclass(frozen=True)
class GiftLine:
    offer_id: int
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class QuoteLine:
    sku_id: int
    quantity: int
    unit_price: int
    subtotal: int
    discount: int
    total: int


@dataclass(frozen=True)
class Quote:
    lines: tuple[QuoteLine, ...]
    subtotal: int
    discount: int
    shipping: int
    shipping_discount: int
    total: int
    applied: tuple[Adjustment, ...]
    rejected: tuple[Rejection, ...]
    gifts: tuple[GiftLine, ...]
