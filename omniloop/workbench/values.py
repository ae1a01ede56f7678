"""What the workbench's selectors hand to the pages: frozen values, no models' internals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class FollowUpTask:
    """One thing to do. `occasion` is the idempotency key a "done" is recorded under."""

    kind: str
    occasion: str
    title: str
    detail: str
    member_id: int | None
    due: date | None = None
    link_ref: str = ""  # the pickup's order number or the ticket's id, for the page's link


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    code: str
    name: str
    phone_masked: str
    tier: str
    joined_at: datetime
    mine: bool


@dataclass(frozen=True)
class MemberProfile:
    """What an assistant sees of a member: never the full phone number."""

    member_id: int
    code: str
    name: str
    phone_masked: str
    tier: str
    birth_date: date | None
    joined_at: datetime
    assistant_name: str
    last_visit_at: datetime | None
    last_order_at: datetime | None
    orders_total: int
    spend_365d: Decimal
    lifecycle: str
    top_category: str
    top_category_en: str
    points: int


@dataclass(frozen=True)
class ShareableCouponView:
    template_id: int
    name: str
    monthly_cap: int
    used_this_month: int

    @property
    def left(self) -> int:
        return max(self.monthly_cap - self.used_this_month, 0)


@dataclass(frozen=True)
class ShareResult:
    share_id: int
    kind: str
    created: bool  # False: the same form was submitted again, nothing new happened


@dataclass(frozen=True)
class PerformanceFigures:
    period: date
    assistant_name: str
    recruited: int
    online_orders: int
    online_sales: Decimal
    pickups: int
    commission: Decimal


@dataclass(frozen=True)
class ShareView:
    shared_at: datetime
    kind: str
    what: str
    assistant_name: str
