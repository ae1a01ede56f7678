"""A small brand with a varied order history for the segment tests, built straight with the
ORM (rows the features and rules must read correctly, whatever service wrote them)."""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from omniloop.attribution.models import MemberBinding
from omniloop.catalog.models import Category, Product, Sku
from omniloop.loyalty.services import points_earn
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel, Store

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A Sunday evening in Shanghai; every window edge below is measured from it.
AS_OF = datetime(2026, 3, 15, 20, 0, tzinfo=SHANGHAI)
_seq = itertools.count(1)


@dataclass
class World:
    stores: dict[str, Store] = field(default_factory=dict)
    channels: dict[str, SalesChannel] = field(default_factory=dict)
    skus: list[Sku] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)


def _catalog(world: World) -> None:
    cats = {}
    for code in ("coffee", "combo", "side", "tops"):
        cats[code] = Category.objects.create(code=code, name=code, name_en=code)
    specs = [
        ("latte", "coffee", "drinks", "house"),
        ("mocha", "coffee", "drinks", "reserve"),
        ("combo-a", "combo", "meals", "house"),
        ("fries", "side", "meals", "house"),
        ("new-product", "tops", "apparel", "reserve"),
        ("tee", "tops", "apparel", "house"),
    ]
    for style, cat, dept, brand in specs:
        p = Product.objects.create(
            style_code=style,
            name=style,
            category=cats[cat],
            list_price=Decimal("30.00"),
            department=dept,
            brand=brand,
        )
        for size in ("s", "l"):
            world.skus.append(
                Sku.objects.create(
                    product=p,
                    sku_code=f"{style}-{size}",
                    barcode=f"B{next(_seq):08d}",
                    size=size,
                    color="white",
                )
            )


def build_world(seed: int = 7, members: int = 40, orders: int = 260) -> World:
    rnd = random.Random(seed)
    world = World()
    for code, tz in (
        ("sh01", "Asia/Shanghai"),
        ("ny01", "America/New_York"),
        ("ld01", "Europe/London"),
    ):
        world.stores[code] = Store.objects.create(code=code, name=code, city="c", timezone=tz)
    for code, kind in (("till", "store_till"), ("mall", "wechat_mall")):
        world.channels[code] = SalesChannel.objects.create(code=code, name=code, kind=kind)
    _catalog(world)
    for i in range(members):
        birth = None if i % 7 == 0 else date(1970 + i % 35, 1 + i % 12, 1 + (i * 3) % 28)
        if i == 5:
            birth = date(1990, 3, 15)  # birthday on the as_of date
        if i == 6:
            birth = date(1990, 3, 16)  # birthday the day after
        m = Member.objects.create(
            code=f"M{i:05d}",
            external_ref=f"ref-{i}" if i % 3 else None,
            gender=("", "f", "m")[i % 3],
            birth_date=birth,
            city=("上海", "北京", "")[i % 3],
            tier=("standard", "silver", "gold")[i % 3],
            status="merged" if i == members - 1 else "active",
            joined_at=AS_OF - timedelta(days=rnd.choice([0, 1, 30, 31, 90, 200, 400, 800])),
        )
        world.members.append(m)
        if i % 4:
            store = list(world.stores.values())[i % 3]
            MemberBinding.objects.create(
                member=m,
                store=store,
                bound_at=m.joined_at,
                protected_until=m.joined_at,
                recruited_store=store,
            )
        if i % 5 and (i * 37) % 500:  # points through the ledger, so it stays sound
            points_earn(member=m, points=(i * 37) % 500, reference=f"world:{i}", at=m.joined_at)
    # Exact window edges and timezone boundaries, then random history.
    edges = [
        AS_OF,  # not before as_of: never counted
        AS_OF - timedelta(microseconds=1),
        AS_OF - timedelta(days=30),
        AS_OF - timedelta(days=30, microseconds=1),
        AS_OF - timedelta(days=90),
        AS_OF - timedelta(days=365),
        AS_OF - timedelta(days=365, seconds=1),
        datetime(2026, 3, 14, 23, 30, tzinfo=SHANGHAI),  # Saturday 23:30 in Shanghai
        datetime(2026, 3, 14, 16, 30, tzinfo=UTC),  # Sunday 00:30 in Shanghai
        datetime(2026, 3, 8, 1, 30, tzinfo=UTC),  # Saturday 20:30 in New York
    ]
    active = [m for m in world.members if m.status == "active"]
    for k in range(orders):
        member = (
            None if k % 17 == 0 else rnd.choice(world.members[: max(1, len(world.members) - 8)])
        )
        at = (
            edges[k] if k < len(edges) else AS_OF - timedelta(minutes=rnd.randint(0, 60 * 24 * 500))
        )
        store = rnd.choice([*list(world.stores.values()), None])
        status = rnd.choice(
            ["completed"] * 6 + ["paid", "shipped", "ready", "pending", "cancelled", "refunded"]
        )
        add_order(world, rnd, member=member, at=at, store=store, status=status)
    # Members whose only order sits on an edge, so that each edge decides a match alone.
    loners = [m for m in world.members[-8:-1]]
    sh, ny = world.stores["sh01"], world.stores["ny01"]
    for member, at, store in zip(
        loners,
        [
            AS_OF - timedelta(days=30),  # inside 30 days
            AS_OF - timedelta(days=30, microseconds=1),  # just outside
            datetime(2026, 3, 14, 23, 30, tzinfo=SHANGHAI),  # Saturday 23:30 Shanghai (15:30 UTC)
            datetime(2026, 3, 14, 16, 30, tzinfo=UTC),  # Sunday 00:30 Shanghai
            datetime(2026, 3, 8, 1, 30, tzinfo=UTC),  # Saturday 20:30 New York, Sunday in Shanghai
            AS_OF - timedelta(days=365),  # inside 365 days
            AS_OF,  # at as_of: not yet
        ],
        [sh, sh, sh, sh, ny, None, sh],
        strict=True,
    ):
        add_order(world, rnd, member=member, at=at, store=store, lines=1, plain=True)
    del active
    return world


def add_order(
    world: World,
    rnd: random.Random,
    *,
    member: Member | None,
    at: datetime,
    store: Store | None,
    status: str = "completed",
    lines: int | None = None,
    plain: bool = False,
) -> Order:
    """`plain`: one latte line, never returned or refunded."""
    channel = world.channels["till" if store else "mall"]
    order = Order.objects.create(
        number=f"N{next(_seq):08d}",
        channel=channel,
        store=store,
        member=member,
        total=Decimal("0.00"),
        status=status,
        ordered_at=at,
    )
    total = Decimal("0.00")
    for _ in range(lines or rnd.randint(1, 3)):
        qty = rnd.randint(1, 3)
        amount = Decimal(rnd.randint(500, 9000)) / 100
        returned = qty if rnd.random() < 0.1 and not plain else 0
        OrderLine.objects.create(
            order=order,
            sku=world.skus[0] if plain else rnd.choice(world.skus),
            quantity=qty,
            unit_price=amount,
            amount=amount,
            returned_quantity=returned,
        )
        total += amount
    refunded = Decimal("0.00")
    roll = 1.0 if plain else rnd.random()
    if roll < 0.08:
        refunded = total  # fully refunded though still "completed"
    elif roll < 0.2:
        refunded = (total / 3).quantize(Decimal("0.01"))
    Order.objects.filter(pk=order.pk).update(total=total, refunded_total=refunded)
    order.refresh_from_db()
    return order
