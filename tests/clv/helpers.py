"""Orders for the CLV tests: small cases straight through the ORM; the CDNOW sample through
`omniloop import` (stores, products, members and orders CSV written from the fixture), as a
brand's history arrives (issue 5)."""

from __future__ import annotations

import csv
import itertools
from datetime import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import numpy as np
from django.core.management import call_command

from omniloop.members.models import Member
from omniloop.orders.models import Order
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


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def load_cdnow(work: Path) -> int:
    """The CDNOW sample through `omniloop import`: one New York store (`cdnow`), one SKU
    (`CD0001-1`), a member per customer (`cdnow-<id>`), an order of one line per purchase row,
    placed at noon store time on its date (a naive time: the store's zone). Returns the rows."""
    rows = [line.split() for line in (DATA / "CDNOW_sample.txt").read_text().splitlines()]
    refs = sorted({r[1] for r in rows}, key=int)
    files = {
        "stores": _csv(
            work / "stores.csv",
            ["store_ref", "name", "city", "timezone"],
            [["cdnow", "CDNOW", "New York", "America/New_York"]],
        ),
        "products": _csv(
            work / "products.csv",
            ["sku_ref", "product_ref", "name", "category", "list_price", "size"],
            [["CD0001-1", "CD0001", "CD", "music", "15.00", "1"]],
        ),
        "members": _csv(
            work / "members.csv",
            ["member_ref", "joined_at"],
            [[f"cdnow-{int(ref)}", "1997-01-01T00:00:00+08:00"] for ref in refs],
        ),
        "orders": _csv(
            work / "orders.csv",
            ["order_ref", "member_ref", "store_ref", "ordered_at", "sku_ref", "quantity", "amount"],
            [
                [
                    f"CDNOW{i:07d}",
                    f"cdnow-{int(ref)}",
                    "cdnow",
                    f"{day[:4]}-{day[4:6]}-{day[6:]} 12:00:00",
                    "CD0001-1",
                    qty,
                    amount,
                ]
                for i, (_, ref, day, qty, amount) in enumerate(rows)
            ],
        ),
    }
    for kind, path in files.items():
        call_command("import", kind, str(path), "--no-progress", stdout=StringIO())
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
