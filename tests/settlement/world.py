"""A small brand for settlement tests: three stores, their assistants, two bound members, a
product tag and an assistant's card, and orders built directly with the ORM (the order flows
are other code's; settlement only reads the fields they set)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from freezegun import freeze_time

from omniloop.accounts.access import Actor, actor_for_user
from omniloop.accounts.models import Role, User
from omniloop.attribution.services import binding_touch
from omniloop.catalog.models import Category, Product
from omniloop.core import clock
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine, OrderStatusChange
from omniloop.settlement.models import CommissionRule
from omniloop.settlement.periods import period_bounds, period_of, previous_period
from omniloop.stores.models import SalesChannel, Store
from omniloop.touchpoints.models import Touchpoint
from tests.factories import make_member, make_product, make_store, make_touchpoint, make_user

_numbers = itertools.count(1)


@dataclass
class Brand:
    a: Store
    b: Store
    c: Store
    a1: User
    a2: User
    b1: User
    c1: User
    hq: User
    m_a: Member  # bound to A / a1
    m_b: Member  # bound to B / b1
    m_none: Member  # never bound
    tag_b: Touchpoint  # product tag in store B, no assistant
    card_c1: Touchpoint  # c1's card in store C
    shirt: Product  # category tops: 2%
    coat: Product  # category coats (under outerwear): 5%
    till: SalesChannel
    mall: SalesChannel
    tmall: SalesChannel
    period: date  # the fixture month: two months ago, so it is over and closable

    @property
    def hq_actor(self) -> Actor:
        return actor_for_user(self.hq)

    def at(self, day: int, hour: int = 12) -> datetime:
        start, _ = period_bounds(self.period)
        return start + timedelta(days=day - 1, hours=hour)

    def order(
        self,
        flow: str,
        *,
        day: int = 10,
        lines: tuple[tuple[Product, str], ...] = (),
        shipping: str = "0.00",
        store: Store | None = None,
        credited: tuple[Store | None, User | None] = (None, None),
        member: Member | None = None,
        touchpoint: Touchpoint | None = None,
        fulfilment: str = Order.Fulfilment.IN_STORE,
        status: str = Order.Status.COMPLETED,
        channel: SalesChannel | None = None,
        completed_by: User | None = None,
    ) -> Order:
        lines = lines or ((self.shirt, "199.00"),)
        total = sum((Decimal(a) for _, a in lines), Decimal(shipping))
        at = self.at(day)
        order = Order.objects.create(
            number=f"T{next(_numbers):08d}",
            channel=channel or (self.till if flow == Order.Flow.STORE_SALE else self.mall),
            store=store,
            member=member,
            credited_store=credited[0],
            credited_assistant=credited[1],
            credit_rule="test",
            flow=flow,
            fulfilment=fulfilment,
            touchpoint=touchpoint,
            total=total,
            shipping_fee=Decimal(shipping),
            status=status,
            ordered_at=at - timedelta(minutes=5),
            paid_at=at if status != Order.Status.PENDING else None,
        )
        for product, amount in lines:
            OrderLine.objects.create(
                order=order,
                sku=product.skus.first(),
                quantity=1,
                unit_price=Decimal(amount),
                amount=Decimal(amount),
            )
        if completed_by is not None:
            OrderStatusChange.objects.create(
                order=order,
                from_status=Order.Status.READY,
                to_status=Order.Status.COMPLETED,
                actor=completed_by,
                at=at + timedelta(hours=2),
            )
        return order


def make_brand() -> Brand:
    a, b, c = make_store("sa"), make_store("sb"), make_store("sc")
    a1, a2 = make_user(Role.ASSISTANT, a), make_user(Role.ASSISTANT, a)
    b1, c1 = make_user(Role.ASSISTANT, b), make_user(Role.ASSISTANT, c)
    shirt = make_product("SH1", price="199.00")
    outer = Category.objects.create(code="outer", name="外套", name_en="Outerwear")
    coats = Category.objects.create(code="coats", name="大衣", name_en="Coats", parent=outer)
    coat = make_product("CT1", price="999.00")
    coat.category = coats
    coat.save(update_fields=["category"])
    period = previous_period(previous_period(period_of(clock.now())))
    start, _ = period_bounds(period)
    m_a, m_b, m_none = make_member(), make_member(), make_member()
    binding_touch(member=m_a, store_id=a.pk, assistant_id=a1.pk, source="scan", at=start)
    binding_touch(member=m_b, store_id=b.pk, assistant_id=b1.pk, source="scan", at=start)
    # Commission rules in force since before the month: 2% overall, 5% on outerwear (the coat
    # is in coats, under outerwear), 3% on pickups.
    with freeze_time(start - timedelta(days=40)):
        for flow, category, rate in (("", None, 200), ("", outer, 500), ("pickup", None, 300)):
            CommissionRule.objects.create(
                flow=flow,
                category=category,
                rate_bp=rate,
                effective_from=clock.now(),
                created_at=clock.now(),
            )
    till = SalesChannel.objects.create(code="store-till", name="门店收银", kind="store_till")
    mall = SalesChannel.objects.create(code="wechat-mall", name="微商城", kind="wechat_mall")
    tmall = SalesChannel.objects.create(code="tmall", name="天猫", kind="marketplace")
    return Brand(
        a=a,
        b=b,
        c=c,
        a1=a1,
        a2=a2,
        b1=b1,
        c1=c1,
        hq=make_user(Role.HQ_ADMIN),
        m_a=m_a,
        m_b=m_b,
        m_none=m_none,
        tag_b=make_touchpoint(Touchpoint.Kind.PRODUCT_TAG, store=b, product=shirt),
        card_c1=make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=c, assistant=c1),
        shirt=shirt,
        coat=coat,
        till=till,
        mall=mall,
        tmall=tmall,
        period=period,
    )


def fixture_month(brand: Brand) -> list[Order]:
    """Every flow in one month, as the order flows would have left them."""
    F, B = Order.Flow, brand
    ful = Order.Fulfilment
    return [
        # till sales: served by a1; by nobody (store only); a member of B buying in A
        B.order(F.STORE_SALE, store=B.a, credited=(B.a, B.a1), member=B.m_a),
        B.order(F.STORE_SALE, day=3, store=B.a, credited=(B.a, None)),
        B.order(
            F.STORE_SALE,
            day=28,
            store=B.a,
            credited=(B.a, B.a2),
            member=B.m_b,
            lines=((B.coat, "899.10"), (B.shirt, "179.10")),
        ),
        # online by bound members (warehouse), and by an unbound one (nobody to credit: HQ)
        B.order(
            F.ONLINE,
            store=None,
            credited=(B.a, B.a1),
            member=B.m_a,
            fulfilment=ful.WAREHOUSE,
            shipping="10.00",
        ),
        B.order(F.ONLINE, day=15, store=None, member=B.m_none, fulfilment=ful.WAREHOUSE),
        # pickup: bound to A, picked up in B (b1 hands it over); bound to B, picked up in B
        B.order(
            F.PICKUP,
            store=B.b,
            credited=(B.a, B.a1),
            member=B.m_a,
            fulfilment=ful.PICKUP,
            lines=((B.coat, "999.00"), (B.shirt, "0.01")),
            completed_by=B.b1,
        ),
        B.order(
            F.PICKUP,
            day=20,
            store=B.b,
            credited=(B.b, B.b1),
            member=B.m_b,
            fulfilment=ful.PICKUP,
            completed_by=B.b1,
        ),
        # scan a tag in B, buy online; shipped from the warehouse
        B.order(
            F.SCAN_TO_BUY,
            store=None,
            credited=(B.b, B.b1),
            member=B.m_b,
            touchpoint=B.tag_b,
            fulfilment=ful.WAREHOUSE,
        ),
        # endless aisle on C's tablet through c1's card, shipped from A
        B.order(
            F.ENDLESS_AISLE,
            store=B.a,
            credited=(B.a, B.a1),
            member=B.m_a,
            touchpoint=B.card_c1,
            fulfilment=ful.STORE_SHIP,
            lines=((B.coat, "333.33"),),
        ),
        # ship from store: bound to B, shipped from C
        B.order(
            F.SHIP_FROM_STORE,
            store=B.c,
            credited=(B.b, B.b1),
            member=B.m_b,
            fulfilment=ful.STORE_SHIP,
            lines=((B.shirt, "100.01"),),
            shipping="0.02",
        ),
        # marketplace: a bound member, and an anonymous buyer
        B.order(
            F.MARKETPLACE,
            store=None,
            credited=(B.b, B.b1),
            member=B.m_b,
            channel=B.tmall,
            fulfilment=ful.WAREHOUSE,
        ),
        B.order(F.MARKETPLACE, day=28, store=None, channel=B.tmall, fulfilment=ful.WAREHOUSE),
        # not settled: unpaid, and cancelled before payment
        B.order(F.ONLINE, store=None, credited=(B.a, B.a1), status=Order.Status.PENDING),
        B.order(F.ONLINE, store=None, credited=(B.a, B.a1), status=Order.Status.CANCELLED),
    ]
