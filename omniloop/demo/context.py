"""The state one demo load carries from step to step (stores, staff, catalogue, members...)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from omniloop.accounts.models import User
from omniloop.catalog.models import Product, Sku
from omniloop.demo.data_places import TIMEZONE
from omniloop.demo.rand import DemoRandom
from omniloop.members.models import Member
from omniloop.stores.models import SalesChannel, Store
from omniloop.touchpoints.models import Touchpoint

FULL_SIZE_MEMBERS = 5000
JOIN_WINDOW_DAYS = 548  # members joined over the past 18 months


@dataclass
class DemoMember:
    """A generated member and their binding over time, so later steps (scans, orders) stay
    consistent with it: an order on day d is credited to the binding in force on day d."""

    member: Member
    joined_at: datetime
    activity: float
    home_city: str
    join_source: str = ""
    # (from, store_id, assistant_id), in time order; empty for an unbound member
    segments: list[tuple[datetime, int, int | None]] = field(default_factory=list)
    # QR scans this member made that changed or made their binding: (when, touchpoint)
    touches: list[tuple[datetime, Touchpoint]] = field(default_factory=list)

    def binding_at(self, at: datetime) -> tuple[int, int | None] | None:
        for start, store_id, assistant_id in reversed(self.segments):
            if start <= at:
                return store_id, assistant_id
        return None


@dataclass
class Demo:
    seed: int
    member_count: int
    months: int
    rng: DemoRandom
    today: date
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(TIMEZONE))
    channels: dict[str, SalesChannel] = field(default_factory=dict)
    stores: list[Store] = field(default_factory=list)
    store_weight: dict[int, float] = field(default_factory=dict)
    hq_staff: list[User] = field(default_factory=list)
    managers: dict[int, User] = field(default_factory=dict)
    assistants: dict[int, list[User]] = field(default_factory=dict)
    assistant_weight: dict[int, float] = field(default_factory=dict)
    products: list[Product] = field(default_factory=list)
    product_weight: dict[int, float] = field(default_factory=dict)
    skus: dict[int, list[Sku]] = field(default_factory=dict)
    # channel code -> product ids sold there
    availability: dict[str, set[int]] = field(default_factory=dict)
    counters: dict[int, Touchpoint] = field(default_factory=dict)
    cards: dict[int, Touchpoint] = field(default_factory=dict)
    tags: dict[int, list[Touchpoint]] = field(default_factory=dict)
    posters: list[Touchpoint] = field(default_factory=list)
    members: list[DemoMember] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # media written, to remove on a failed load

    @property
    def scale(self) -> float:
        """Sales and scans grow with the member base: a 300-member test load sells less."""
        return self.member_count / FULL_SIZE_MEMBERS

    @property
    def sales_days(self) -> int:
        return max(1, round(self.months * 30.44))

    @property
    def join_days(self) -> int:
        return max(JOIN_WINDOW_DAYS, self.sales_days + 90)

    @property
    def now(self) -> datetime:
        """The reference instant: today's midnight, so a seed gives the same history all day."""
        return self.at(self.today, 0)

    def at(self, day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute, second), tzinfo=self.tz)

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)

    def open_stores(self, on: date | None = None) -> list[Store]:
        on = on or self.today
        return [
            s
            for s in self.stores
            if s.status == Store.Status.OPEN and s.opened_on and s.opened_on <= on
        ]
