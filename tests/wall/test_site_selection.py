"""Store site selection: members located by their latest delivery region, regions placed by the
centres the brand loads, candidates outside every catchment ranked by members and spend, each
figure checked against SQL and a distance computed here; unplaced regions are listed, never
guessed; the page is HQ's."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from omniloop.accounts.models import Role
from omniloop.core.errors import ValidationFailed
from omniloop.orders.models import Order, OrderAddress
from omniloop.stores.models import SalesChannel
from omniloop.wall.pages_sites import sites_page
from omniloop.wall.sites import site_areas_import
from tests.factories import make_member, make_store, make_user

pytestmark = pytest.mark.django_db
_numbers = itertools.count(1)
AREAS = (
    "region,latitude,longitude\n"
    "上海市 静安区,31.229000,121.448000\n"
    "上海市 嘉定区,31.383800,121.265500\n"
    "江苏省 苏州市,31.298900,120.585300\n"
)


def _shipped(member, region: str, total: str, days_ago: int, refunded: str = "0") -> None:
    channel, _ = SalesChannel.objects.get_or_create(
        code="site-mall", defaults={"name": "微商城", "kind": "wechat_mall"}
    )
    at = datetime(2026, 11, 1, tzinfo=UTC) - timedelta(days=days_ago)
    order = Order.objects.create(
        number=f"S{next(_numbers):06d}",
        channel=channel,
        member=member,
        flow=Order.Flow.ONLINE,
        fulfilment=Order.Fulfilment.WAREHOUSE,
        total=Decimal(total),
        refunded_total=Decimal(refunded),
        ordered_at=at,
        paid_at=at,
    )
    OrderAddress.objects.create(
        order=order, recipient="王", phone_encrypted=b"x", phone_masked="138****0000",
        region=region, line="1 号",
    )  # fmt: skip


@pytest.fixture
def world():
    make_store("jingan", latitude=Decimal("31.230400"), longitude=Decimal("121.473700"))
    make_store("noxy")  # no coordinates: no catchment
    site_areas_import(AREAS)
    m = [make_member() for _ in range(6)]
    _shipped(m[0], "上海市 静安区", "100.00", 5)
    _shipped(m[1], "上海市 嘉定区", "300.00", 9)
    _shipped(m[1], "上海市 静安区", "50.00", 30)  # older: m1 lives in Jiading now
    _shipped(m[2], "上海市 嘉定区", "80.00", 3, refunded="20.00")
    _shipped(m[3], "江苏省 苏州市", "900.00", 2)
    _shipped(m[4], "浙江省 杭州市", "70.00", 1)  # no centre loaded: unplaced
    # m[5] never had an order shipped: not located
    return m


def _km(lat1, lon1, lat2, lon2) -> float:
    # Spherical law of cosines: a formula other than the code's haversine
    a, b = math.radians(lat1), math.radians(lat2)
    c = math.sin(a) * math.sin(b) + math.cos(a) * math.cos(b) * math.cos(math.radians(lon2 - lon1))
    return 6371.0088 * math.acos(min(1.0, c))


def _expected(radius: float) -> tuple[list[tuple], list[tuple]]:
    with connection.cursor() as cur:
        cur.execute(
            "SELECT x.region, COUNT(*), SUM(s.spend) FROM ("
            " SELECT o.member_id, a.region, ROW_NUMBER() OVER ("
            "  PARTITION BY o.member_id ORDER BY COALESCE(o.paid_at, o.ordered_at) DESC, o.id DESC"
            " ) AS k"
            " FROM orders_orderaddress a JOIN orders_order o ON o.id = a.order_id"
            " WHERE o.member_id IS NOT NULL AND o.status NOT IN ('pending', 'cancelled')) x"
            " JOIN (SELECT member_id, SUM(total - refunded_total) AS spend FROM orders_order"
            "  WHERE status NOT IN ('pending', 'cancelled') GROUP BY member_id) s"
            " ON s.member_id = x.member_id"
            " WHERE x.k = 1 GROUP BY x.region"
        )
        regions = cur.fetchall()
        cur.execute("SELECT region, latitude, longitude FROM wall_sitearea")
        areas = {r: (float(la), float(lo)) for r, la, lo in cur.fetchall()}
        cur.execute(
            "SELECT name, latitude, longitude FROM stores_store"
            " WHERE status = 'open' AND latitude IS NOT NULL AND longitude IS NOT NULL"
        )
        stores = [(c, float(la), float(lo)) for c, la, lo in cur.fetchall()]
    candidates, unplaced = [], []
    for region, n, spend in regions:
        spend = Decimal(str(spend)).quantize(Decimal("0.01"))
        if region not in areas:
            unplaced.append((region, n, spend))
            continue
        d, code = min((_km(*areas[region], la, lo), c) for c, la, lo in stores)
        if d > radius:
            candidates.append((region, n, spend, code, f"{d:.2f}"))
    candidates.sort(key=lambda r: (-r[1], -r[2], r[0]))
    return candidates, sorted(unplaced, key=lambda r: (-r[1], -r[2], r[0]))


@pytest.mark.parametrize("radius", ["3", "12.5", "50"])
def test_candidates_and_unplaced_regions_equal_an_independent_computation(world, radius):
    page = sites_page(Decimal(radius))
    candidates, unplaced = _expected(float(radius))
    assert [tuple(r[1:]) for r in page.tables["candidates"].rows] == candidates
    assert [r[0] for r in page.tables["candidates"].rows] == list(range(1, len(candidates) + 1))
    assert page.tables["unplaced"].rows == unplaced
    figures = {f.key: f.value for f in page.figures}
    assert figures["located"] == 5 and figures["unplaced"] == 1
    assert figures["candidates"] == len(candidates)


def test_the_world_puts_regions_both_sides_of_a_3km_catchment(world):
    candidates, _ = _expected(3.0)
    assert [c[0] for c in candidates] == ["上海市 嘉定区", "江苏省 苏州市"]  # 2 members, then 1
    assert sites_page(Decimal("3")).tables["candidates"].rows[0][2:4] == (2, Decimal("410.00"))
    # 410.00: m1's two orders (300 + 50, all their spend) and m2's 80 less 20 refunded


def test_area_import_is_all_or_nothing_and_the_command_reports(world, tmp_path: Path):
    with pytest.raises(ValidationFailed) as bad:
        site_areas_import("region,latitude,longitude\n杭州,30.27,120.15\n坏,95,120\n")
    assert bad.value.code == "site_row_invalid" and bad.value.extra == {"line": 3}
    assert not sites_page(Decimal("3")).tables["candidates"].rows[-1][1].startswith("杭州")
    path = tmp_path / "areas.csv"
    path.write_text("region,latitude,longitude\n浙江省 杭州市,30.274100,120.155100\n", "utf-8")
    call_command("site_areas_import", str(path))
    assert not sites_page(Decimal("3")).tables["unplaced"].rows  # Hangzhou is placed now
    path.write_text("name,lat\nx,1\n", "utf-8")
    with pytest.raises(CommandError):
        call_command("site_areas_import", str(path))


def test_the_page_is_hqs_and_exports(client, world):
    client.force_login(make_user(Role.MARKETER))
    response = client.get("/dashboard/wall/sites/?radius=3")
    assert response.status_code == 200
    assert b'data-testid="table-candidates"' in response.content
    csv = client.get("/dashboard/wall/sites/?radius=3&export=csv&table=candidates")
    assert csv.content.decode("utf-8-sig").count("\n") == 3  # header and two candidates
    assert client.get("/dashboard/wall/sites/?radius=99").status_code == 422
    client.force_login(make_user(Role.STORE_MANAGER))
    assert client.get("/dashboard/wall/sites/").status_code == 403
