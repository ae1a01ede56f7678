"""A small brand for wall tests, driven through the real flows: scans and joins (onboarding),
till sales, online orders shipped, picked up and bought by scanning a tag, returns, refunds
and a merge, spread over days and two time zones (Shanghai, UTC+8, and Bogotá, UTC-5, neither
with summer time, so the tests' own SQL can shift by a fixed offset on SQLite)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from freezegun import freeze_time

from omniloop.accounts.models import Role, User
from omniloop.attribution.services import binding_touch
from omniloop.members.models import Member
from omniloop.members.services import member_create, member_merge
from omniloop.onboarding.services import scan_visit
from omniloop.orders.events import order_paid
from omniloop.orders.models import Order
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from omniloop.orders.online_values import FulfilmentChoice
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.stores.models import Store
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import visitor_get_or_create, visitor_link
from tests.factories import make_product, make_store, make_touchpoint, make_user
from tests.orders.helpers import sell
from tests.orders.online_helpers import checkout, place
from tests.orders.pickup_helpers import stock_all

# Offsets the tests' SQLite queries use for local days (fixed: these zones keep no summer time).
OFFSETS = {"Asia/Shanghai": 8, "America/Bogota": -5}
START = datetime(2026, 9, 1, 0, 0, tzinfo=UTC)


@dataclass
class WallWorld:
    sh: Store
    bo: Store
    a_sh: User
    a_bo: User
    card_sh: Touchpoint
    counter_bo: Touchpoint
    tag_sh: Touchpoint
    members: list[Member]
    orders: list[Order]


def _at(day: int, hour: int) -> datetime:
    return START + timedelta(days=day, hours=hour)


def _pay(order: Order, at: datetime) -> Order:
    with freeze_time(at), transaction.atomic():
        return order_mark_paid(order=lock_order_with_payments(order.pk), at=at)


def build_world(n_members: int = 6) -> WallWorld:
    """Members join on different days by scanning a card or a counter (or with no scan), buy at
    the tills and online across two zones, return and get refunds; one member merges away."""
    sh = make_store("wsh", timezone="Asia/Shanghai")
    bo = make_store("wbo", timezone="America/Bogota", name="波哥大店", name_en="Bogotá")
    a_sh, a_bo = make_user(Role.ASSISTANT, sh), make_user(Role.ASSISTANT, bo)
    shirt = make_product("WSH1", price="100.00")
    make_product("WCT1", price="250.00")
    card_sh = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=sh, assistant=a_sh)
    counter_bo = make_touchpoint(Touchpoint.Kind.STORE_COUNTER, store=bo)
    tag_sh = make_touchpoint(Touchpoint.Kind.PRODUCT_TAG, store=sh, product=shirt)
    members: list[Member] = []
    orders: list[Order] = []
    receipt = 0
    for i in range(n_members):
        # Hour 15 UTC is 23:00 in Shanghai and 10:00 in Bogotá; hour 2 is 10:00 and 21:00 the
        # day before: local days differ from UTC days on both sides.
        join_at = _at(i, 15 if i % 2 else 2)
        tp = (card_sh, counter_bo, None)[i % 3]
        with freeze_time(join_at - timedelta(minutes=10)):
            visitor = visitor_get_or_create(key=None)
            if tp is not None:
                scan_visit(scene=tp.scene, visitor=visitor)
                scan_visit(scene=tp.scene, visitor=visitor)  # a second scan, same visitor
        with freeze_time(join_at):
            member = member_create(join_source="scan" if tp else "h5")
            if tp is not None:
                visitor_link(visitor=visitor, member=member)
                binding_touch(
                    member=member,
                    store_id=tp.store_id,
                    assistant_id=tp.assistant_id,
                    source="join",
                    touchpoint_id=tp.pk,
                )
        members.append(member)
        store = (sh, bo)[i % 2]
        for k in range(i % 3 + 1):  # 1-3 till sales each, days and months apart
            receipt += 1
            with freeze_time(_at(i + 3 + 17 * k, (4, 16, 22)[k])):
                orders.append(
                    sell(
                        store,
                        [("WSH1-M", 1 + k), ("WCT1-S", 1)],
                        total=Decimal(100 * (1 + k) + 250),
                        receipt=f"W-{receipt}",
                        member=member,
                        assistant=(a_sh if store == sh else a_bo).staff_code if k == 0 else None,
                    )
                )
    # Anonymous till sales (no member) in both stores
    for j, store in enumerate((sh, bo, sh)):
        receipt += 1
        with freeze_time(_at(5 + j, 13)):
            orders.append(sell(store, [("WSH1-L", 1)], total="100.00", receipt=f"W-{receipt}"))
    # Online: shipped home, picked up in Bogotá, scan-to-buy from the Shanghai tag
    m0, m1 = members[0], members[1]
    with freeze_time(_at(9, 3)):
        shipped = place(m0, checkout([("WSH1-S", 2)]))
    orders.append(_pay(shipped, _at(9, 4)))
    stock_all(bo)
    with freeze_time(_at(10, 20)):
        pickup = place(
            m1, checkout([("WCT1-M", 1)], fulfilment=FulfilmentChoice.PICKUP, pickup_store="wbo")
        )
    orders.append(_pay(pickup, _at(10, 20) + timedelta(minutes=5)))
    with freeze_time(_at(12, 6)):
        scanned = place(m0, checkout([("WSH1-M", 1)], scene=tag_sh.scene))
    orders.append(_pay(scanned, _at(12, 7)))
    with freeze_time(_at(12, 8)):
        unpaid = place(m1, checkout([("WSH1-L", 1)]))  # never paid: counts nowhere
    assert unpaid.status == Order.Status.PENDING
    # A completed order that never set paid_at (history written before it existed): it counts
    # at its ordered_at, as settlement counts it
    history = Order.objects.create(
        number="W-HIST-1",
        channel=orders[0].channel,
        store=sh,
        credited_store=sh,
        member=members[0],
        flow=Order.Flow.IMPORTED,
        total=Decimal("42.00"),
        ordered_at=_at(25, 17),
    )
    order_paid(history.pk)
    orders.append(history)
    # Returns: one line of a sale, a whole sale, a money-only refund; the last on a later day
    tills = [o for o in orders if o.flow == Order.Flow.STORE_SALE]
    order_return(
        order_number=tills[0].number,
        ret=ReturnInput(reference="WR-1", lines=(ReturnLineInput("WCT1-S", 1),)),
        at=_at(20, 16),
    )
    order_return(order_number=tills[1].number, ret=ReturnInput(reference="WR-2"), at=_at(21, 3))
    order_return(
        order_number=shipped.number,
        ret=ReturnInput(reference="WR-3", amount=Decimal("30.00")),
        at=_at(40, 12),
    )
    # A replayed return adds nothing
    order_return(order_number=tills[1].number, ret=ReturnInput(reference="WR-2"), at=_at(22, 3))
    # The last member turns out to be the third one: merged away
    if n_members >= 6:
        with freeze_time(_at(45, 0)):
            member_merge(
                survivor_id=members[2].pk,
                merged_id=members[-1].pk,
                actor="test",
                reason="same shopper",
            )
    return WallWorld(
        sh=sh,
        bo=bo,
        a_sh=a_sh,
        a_bo=a_bo,
        card_sh=card_sh,
        counter_bo=counter_bo,
        tag_sh=tag_sh,
        members=members,
        orders=orders,
    )
