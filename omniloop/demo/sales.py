"""Orders over the sales period: till sales in the stores and online orders in the WeChat mall,
the web mall, Tmall and JD, credited by the same rules as the live services (R4).

Volumes follow the week (weekends busier), the hour (evenings), the season (coats in winter,
linen in summer) and the calendar (Golden Week in stores, 618 and Singles' Day online)."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from omniloop.catalog.models import Product, Sku
from omniloop.demo.context import Demo, DemoMember
from omniloop.demo.members import ANY_HOURS, STORE_HOURS
from omniloop.demo.rand import WeightedPicker
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel, Store

CENT = Decimal("0.01")
TILL_PER_STORE_DAY = 5.3  # at a weight-1.0 store, on an average weekday, full-size brand
ONLINE_PER_DAY = 44.5
TILL_WEEKDAY = (0.8, 0.78, 0.82, 0.88, 1.08, 1.65, 1.55)
ONLINE_WEEKDAY = (1.0, 0.95, 0.95, 0.98, 1.02, 1.1, 1.12)
MONTH = {
    1: 1.2,
    2: 0.8,
    3: 0.95,
    4: 0.95,
    5: 1.0,
    6: 1.05,
    7: 0.85,
    8: 0.85,
    9: 1.0,
    10: 1.12,
    11: 1.2,
    12: 1.25,
}
ONLINE_CHANNELS = WeightedPicker(["wechat-mall", "web-mall", "tmall", "jd"], [35, 15, 30, 20])
LINE_COUNT = WeightedPicker([1, 2, 3, 4], [50, 30, 14, 6])
SIZE_INDEX = WeightedPicker([0, 1, 2, 3, 4], [1, 3, 4, 3, 1.2])
# Discount percentages: stores, web and WeChat mall, marketplaces, and the 618/11.11 promotions
TILL_DISCOUNT = WeightedPicker([0, 10, 20], [72, 18, 10])
MALL_DISCOUNT = WeightedPicker([0, 10, 20], [75, 18, 7])
MARKETPLACE_DISCOUNT = WeightedPicker([0, 10, 20], [50, 30, 20])
PROMO_DISCOUNT = WeightedPicker([0, 20, 30], [15, 50, 35])


@dataclass
class _PoolEntry:
    start: datetime
    end: datetime | None
    plan: DemoMember
    assistant_id: int | None


def _till_boost(day: date) -> float:
    return 1.5 if day.month == 10 and day.day <= 7 else 1.0  # Golden Week


def _online_boost(day: date) -> float:
    if day.month == 11:
        return 5.0 if day.day == 11 else 1.8 if day.day < 11 else 1.0
    if day.month == 6:
        return 4.0 if day.day == 18 else 1.5 if day.day < 18 else 1.0
    return 2.0 if (day.month, day.day) == (12, 12) else 1.0


def _promo_window(day: date) -> bool:
    return (day.month == 11 and day.day <= 11) or (day.month == 6 and day.day <= 18)


def _season(product: Product, month: int) -> float:
    winter, summer = month in (11, 12, 1, 2), month in (5, 6, 7, 8)
    code = product.category.code
    if code in ("coats", "knitwear"):
        return 1.8 if winter else 0.25 if summer else 1.0
    if code == "dresses" or "亚麻" in product.material:
        return 1.5 if summer else 0.5 if winter else 1.0
    return 1.0


class SalesGenerator:
    def __init__(self, demo: Demo) -> None:
        self.demo = demo
        self.rng = demo.rng
        self.orders: list[Order] = []
        # per order: (sku_id, quantity, unit_price, discount, amount)
        self.lines: list[list[tuple[int, int, Decimal, Decimal, Decimal]]] = []
        self.pickers: dict[tuple[str, int], WeightedPicker[Product]] = {}
        self.store_pools: dict[int, tuple[list[datetime], list[_PoolEntry]]] = {}
        for plan in demo.members:
            for i, (start, store_id, assistant_id) in enumerate(plan.segments):
                end = plan.segments[i + 1][0] if i + 1 < len(plan.segments) else None
                self.store_pools.setdefault(store_id, ([], []))[1].append(
                    _PoolEntry(start, end, plan, assistant_id)
                )
        for starts, entries in self.store_pools.values():
            entries.sort(key=lambda e: (e.start, e.plan.member.code))
            starts.extend(e.start for e in entries)
        self.joined = [p.joined_at for p in demo.members]  # members are in join order
        self.sizes = {pid: len({s.size for s in skus}) for pid, skus in demo.skus.items()}
        self.teams = {
            store_id: WeightedPicker(
                [a.pk for a in team], [demo.assistant_weight[a.pk] for a in team]
            )
            for store_id, team in demo.assistants.items()
            if team
        }

    # -- who buys ------------------------------------------------------------------------------
    def _till_member(self, store_id: int, at: datetime) -> _PoolEntry | None:
        starts, entries = self.store_pools.get(store_id, ([], []))
        k = bisect.bisect_right(starts, at)
        for _ in range(10 if k else 0):
            entry = entries[self.rng.randrange(k)]
            if (entry.end is None or entry.end > at) and self.rng.random() < entry.plan.activity:
                return entry
        return None

    def _online_member(self, at: datetime) -> DemoMember | None:
        k = bisect.bisect_right(self.joined, at)
        for _ in range(10 if k else 0):
            plan = self.demo.members[self.rng.randrange(k)]
            if self.rng.random() < plan.activity:
                return plan
        return None

    # -- what they buy -------------------------------------------------------------------------
    def _picker(self, channel: str, month: int) -> WeightedPicker[Product]:
        key = (channel, month)
        if key not in self.pickers:
            products = [p for p in self.demo.products if p.pk in self.demo.availability[channel]]
            self.pickers[key] = WeightedPicker(
                products, [self.demo.product_weight[p.pk] * _season(p, month) for p in products]
            )
        return self.pickers[key]

    def _sku(self, channel: str, day: date) -> tuple[Product, Sku] | None:
        picker = self._picker(channel, day.month)
        for _ in range(10):
            product = picker.pick(self.rng)
            if product.launched_on and product.launched_on <= day:
                skus = self.demo.skus[product.pk]
                sizes = self.sizes[product.pk]
                colour = self.rng.randrange(len(skus) // sizes)
                size = SIZE_INDEX.pick(self.rng) if sizes == 5 else 0
                return product, skus[colour * sizes + size]
        return None

    def _add_order(self, order: Order, channel: str, day: date, discount_pct: int) -> None:
        total = discount_total = Decimal("0")
        lines = []
        for _ in range(LINE_COUNT.pick(self.rng)):
            picked = self._sku(channel, day)
            if picked is None:
                continue
            product, sku = picked
            quantity = 2 if self.rng.random() < 0.07 else 1
            gross = product.list_price * quantity
            discount = (gross * discount_pct / 100).quantize(Decimal("1")).quantize(CENT)
            amount = gross - discount
            lines.append((sku.pk, quantity, product.list_price, discount, amount))
            total += amount
            discount_total += discount
        if not lines:
            return
        order.total, order.discount_total = total, discount_total
        self.orders.append(order)
        self.lines.append(lines)

    def _number(self, at: datetime) -> str:
        return at.strftime("%y%m%d") + self.rng.hex_id(10)

    # -- a day of trading ----------------------------------------------------------------------
    def till_day(self, day: date) -> None:
        rng, demo = self.rng, self.demo
        till = demo.channels["store-till"]
        for store in demo.open_stores(on=day):
            lam = (
                TILL_PER_STORE_DAY
                * demo.store_weight[store.pk]
                * TILL_WEEKDAY[day.weekday()]
                * MONTH[day.month]
                * _till_boost(day)
                * demo.scale
            )
            times = sorted(
                demo.at(day, STORE_HOURS.pick(rng), rng.randrange(60), rng.randrange(60))
                for _ in range(rng.poisson(lam))
            )
            for seq, at in enumerate(times, start=1):
                self._till_order(store, till, day, at, seq)

    def _till_order(
        self, store: Store, till: SalesChannel, day: date, at: datetime, seq: int
    ) -> None:
        rng = self.rng
        entry = self._till_member(store.pk, at) if rng.random() < 0.62 else None
        serving = None
        if rng.random() < 0.92:
            if entry and entry.assistant_id and rng.random() < 0.65:
                serving = entry.assistant_id
            else:
                serving = self.teams[store.pk].pick(rng)
        credit: tuple[int | None, str]
        if serving:
            credit = (serving, "till_serving_assistant")
        elif entry and entry.assistant_id:
            credit = (entry.assistant_id, "till_bound_assistant")
        else:
            credit = (None, "till_store_only")
        pct = TILL_DISCOUNT.pick(rng)
        order = Order(
            number=self._number(at),
            channel_id=till.pk,
            store_id=store.pk,
            receipt_no=f"{store.code.upper()}-{day:%y%m%d}-{seq:04d}",
            member_id=entry.plan.member.pk if entry else None,
            credited_store_id=store.pk,
            credited_assistant_id=credit[0],
            credit_rule=credit[1],
            status=Order.Status.COMPLETED,
            ordered_at=at,
        )
        self._add_order(order, "store-till", day, pct)

    def online_day(self, day: date) -> None:
        rng, demo = self.rng, self.demo
        lam = (
            ONLINE_PER_DAY
            * ONLINE_WEEKDAY[day.weekday()]
            * MONTH[day.month]
            * _online_boost(day)
            * demo.scale
        )
        for _ in range(rng.poisson(lam)):
            at = demo.at(day, ANY_HOURS.pick(rng), rng.randrange(60), rng.randrange(60))
            self._online_order(ONLINE_CHANNELS.pick(rng), day, at)

    def _online_order(self, code: str, day: date, at: datetime) -> None:
        rng = self.rng
        marketplace = code in ("tmall", "jd")
        plan = self._online_member(at) if not marketplace or rng.random() < 0.45 else None
        bound = plan.binding_at(at) if plan else None
        receipt = {
            "tmall": lambda: rng.token("2", 18),
            "jd": lambda: rng.token("3", 11),
            "wechat-mall": lambda: rng.token(f"WX{day:%y%m%d}", 8),
            "web-mall": lambda: rng.token(f"W{day:%y%m%d}", 8),
        }[code]()
        discounts = (
            PROMO_DISCOUNT
            if _promo_window(day)
            else MARKETPLACE_DISCOUNT
            if marketplace
            else MALL_DISCOUNT
        )
        pct = discounts.pick(rng)
        order = Order(
            number=self._number(at),
            channel_id=self.demo.channels[code].pk,
            store_id=None,
            receipt_no=receipt,
            member_id=plan.member.pk if plan else None,
            credited_store_id=bound[0] if bound else None,
            credited_assistant_id=bound[1] if bound else None,
            credit_rule="online_bound_member" if bound else "",
            status=Order.Status.CANCELLED if rng.random() < 0.02 else Order.Status.COMPLETED,
            ordered_at=at,
            flow=Order.Flow.MARKETPLACE if marketplace else Order.Flow.ONLINE,
            fulfilment=Order.Fulfilment.WAREHOUSE,
        )
        self._add_order(order, code, day, pct)

    def save(self) -> None:
        Order.objects.bulk_create(self.orders, batch_size=2000)
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order_id=order.pk,
                    sku_id=sku_id,
                    quantity=quantity,
                    unit_price=unit,
                    discount=discount,
                    amount=amount,
                )
                for order, lines in zip(self.orders, self.lines, strict=True)
                for sku_id, quantity, unit, discount, amount in lines
            ],
            batch_size=2000,
        )


def build_sales(demo: Demo) -> None:
    generator = SalesGenerator(demo)
    for days_ago in range(demo.sales_days, 0, -1):
        day = demo.day(days_ago)
        generator.till_day(day)
        generator.online_day(day)
    generator.save()
