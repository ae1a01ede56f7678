"""Orders for the CLV tests, written straight through the ORM (the import command is not here
yet; once `omniloop import orders` lands, the CDNOW loader should go through it)."""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import numpy as np

from omniloop.catalog.models import Sku
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderLine
from omniloop.stores.models import SalesChannel, Store

DATA = Path(__file__).parent / "data"
_numbers = itertools.count(1)


def till_channel() -> SalesChannel:
    channel, _ = SalesChannel.objects.get_or_create(
        code="store-till", defaults={"name": "门店收银", "kind": SalesChannel.Kind.STORE_TILL}
    )
    return channel


def place_order(
    member: Member | None,
    store: Store | None,
    at: datetime,
    total: str = "100.00",
    *,
    status: str = Order.Status.COMPLETED,
    refunded: str = "0",
) -> Order:
    return Order.objects.create(
        number=f"CLV{next(_numbers):08d}",
        channel=till_channel(),
        store=store,
        member=member,
        total=Decimal(total),
        refunded_total=Decimal(refunded),
        status=status,
        ordered_at=at,
    )


def place_orders(rows: list[tuple[Member, Store, datetime, str]]) -> None:
    """Completed orders in one INSERT batch: (member, store, ordered at, total)."""
    channel = till_channel()
    Order.objects.bulk_create(
        [
            Order(
                number=f"CLV{next(_numbers):08d}",
                channel=channel,
                store=store,
                member=who,
                total=Decimal(total),
                ordered_at=at,
            )
            for who, store, at, total in rows
        ]
    )


def member(ref: str) -> Member:
    return Member.objects.create(
        code=f"9{next(_numbers):011d}",
        external_ref=ref,
        joined_at=datetime.fromisoformat("1997-01-01T00:00:00+08:00"),
    )


def load_cdnow(store: Store, sku: Sku) -> int:
    """The CDNOW sample as one store's till orders: a member per customer, an order with one
    line per purchase row, placed at noon store time on its date. Returns the rows loaded."""
    rows = [line.split() for line in (DATA / "CDNOW_sample.txt").read_text().splitlines()]
    refs = sorted({r[1] for r in rows}, key=int)
    joined = datetime.fromisoformat("1997-01-01T00:00:00+08:00")
    Member.objects.bulk_create(
        [
            Member(code=f"8{int(ref):011d}", external_ref=f"cdnow-{int(ref)}", joined_at=joined)
            for ref in refs
        ]
    )
    ids = dict(
        Member.objects.filter(external_ref__startswith="cdnow-").values_list("external_ref", "pk")
    )
    channel = till_channel()
    orders = []
    for i, (_, ref, day, _qty, amount) in enumerate(rows):
        at = datetime.fromisoformat(f"{day[:4]}-{day[4:6]}-{day[6:]}T12:00:00").replace(
            tzinfo=store.tzinfo
        )
        orders.append(
            Order(
                number=f"CDNOW{i:07d}",
                channel=channel,
                store=store,
                member_id=ids[f"cdnow-{int(ref)}"],
                total=Decimal(amount),
                ordered_at=at,
            )
        )
    Order.objects.bulk_create(orders, batch_size=2000)
    by_number = dict(Order.objects.filter(number__startswith="CDNOW").values_list("number", "pk"))
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order_id=by_number[f"CDNOW{i:07d}"],
                sku=sku,
                quantity=int(qty),
                unit_price=(Decimal(amount) / int(qty)).quantize(Decimal("0.01")),
                amount=Decimal(amount),
            )
            for i, (_, _ref, _day, qty, amount) in enumerate(rows)
        ],
        batch_size=2000,
    )
    return len(rows)


def simulate_bgnbd(
    rng: np.random.Generator, n: int, days: float, r: float, alpha: float, a: float, b: float
) -> list[list[float]]:
    """Purchase times (days from each member's first purchase, which is at 0) drawn from the
    BG/NBD story itself: Poisson purchases at rate lam ~ Gamma(r, alpha) until the member
    drops out, with probability p ~ Beta(a, b) after each repeat purchase."""
    lam = rng.gamma(r, 1 / alpha, n)
    drop = rng.beta(a, b, n)
    members = []
    for i in range(n):
        times = [0.0]
        while True:
            t = times[-1] + rng.exponential(1 / lam[i])
            if t > days:
                break
            times.append(t)
            if rng.random() < drop[i]:
                break
        members.append(times)
    return members
