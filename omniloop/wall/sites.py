"""Store site selection (选址): where members are against the stores and their catchment.

A member's location is the delivery region of their latest paid order shipped to an address
(`OrderAddress.region`); members and orders carry no coordinates, and the bound store would
place every bound member inside a catchment by definition, so it is not used. A region is
placed on the map only when the brand has given its centre (`SiteArea`); the others are listed
as unplaced, with their members and spend, never guessed. A placed region farther than the
catchment radius from every open store with coordinates is a candidate site; candidates are
ranked by members, then spend (paid totals less refunds of those members' orders, all time)."""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Sum

from omniloop.core.errors import ValidationFailed
from omniloop.orders.models import Order, OrderAddress
from omniloop.stores.models import Store
from omniloop.wall.cells import counted, sold_at
from omniloop.wall.models import SiteArea

EARTH_KM = 6371.0088
DEFAULT_RADIUS_KM = Decimal("3")


@dataclass(frozen=True)
class Region:
    region: str
    members: int
    spend: Decimal
    latitude: float | None
    longitude: float | None
    nearest_store_id: int | None
    nearest_km: float | None

    @property
    def placed(self) -> bool:
        return self.latitude is not None

    def outside(self, radius_km: float) -> bool:
        return self.placed and (self.nearest_km is None or self.nearest_km > radius_km)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(math.sqrt(a))


def site_stores() -> list[Store]:
    """Open stores with coordinates: the catchments."""
    return list(
        Store.objects.filter(
            status=Store.Status.OPEN, latitude__isnull=False, longitude__isnull=False
        ).order_by("code")
    )


def site_regions() -> list[Region]:
    """Every delivery region with members located in it, most members first."""
    latest: dict[int, str] = {}
    for member_id, region in (
        OrderAddress.objects.filter(counted("order__"), order__member__isnull=False)
        .annotate(at=sold_at("order__"))
        .order_by("at", "order_id")
        .values_list("order__member_id", "region")
        .iterator(chunk_size=10_000)
    ):
        latest[member_id] = region.strip()
    spend = dict(
        Order.objects.filter(counted(), member_id__in=list(latest))
        .order_by()
        .values_list("member_id")
        .annotate(s=Sum(F("total") - F("refunded_total")))
    )
    members: Counter[str] = Counter()
    totals: dict[str, Decimal] = {}
    for member_id, region in latest.items():
        members[region] += 1
        totals[region] = totals.get(region, Decimal(0)) + Decimal(spend.get(member_id) or 0)
    areas = {a.region: (float(a.latitude), float(a.longitude)) for a in SiteArea.objects.all()}
    stores = [(s.pk, float(s.latitude or 0), float(s.longitude or 0)) for s in site_stores()]
    out = []
    for region, n in members.items():
        where = areas.get(region)
        nearest: tuple[float, int] | None = None
        if where is not None and stores:
            nearest = min((distance_km(*where, lat, lon), pk) for pk, lat, lon in stores)
        out.append(
            Region(
                region=region,
                members=n,
                spend=totals[region].quantize(Decimal("0.01")),
                latitude=where[0] if where else None,
                longitude=where[1] if where else None,
                nearest_store_id=nearest[1] if nearest else None,
                nearest_km=round(nearest[0], 2) if nearest else None,
            )
        )
    out.sort(key=lambda r: (-r.members, -r.spend, r.region))
    return out


def site_areas_import(text: str) -> int:
    """Load region centres from CSV (`region,latitude,longitude`, a header row), all rows or
    none: a bad row is a 422 naming its line. Existing regions are updated. Returns the rows."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"region", "latitude", "longitude"} <= set(rows[0]):
        raise ValidationFailed(
            "The file needs the columns region, latitude, longitude.", code="site_columns"
        )
    parsed: dict[str, tuple[Decimal, Decimal]] = {}
    for line, row in enumerate(rows, start=2):
        region = (row.get("region") or "").strip()
        try:
            lat, lon = Decimal(row["latitude"]), Decimal(row["longitude"])
            valid = lat.is_finite() and lon.is_finite() and -90 <= lat <= 90 and -180 <= lon <= 180
        except (InvalidOperation, TypeError):
            lat = lon = Decimal(0)
            valid = False
        if not region or len(region) > 100 or not valid:
            raise ValidationFailed(
                f"Line {line}: a region name and a latitude and longitude are needed.",
                code="site_row_invalid",
                extra={"line": line},
            )
        parsed[region] = (lat.quantize(Decimal("0.000001")), lon.quantize(Decimal("0.000001")))
    with transaction.atomic():
        for region, (lat, lon) in parsed.items():
            SiteArea.objects.update_or_create(
                region=region, defaults={"latitude": lat, "longitude": lon}
            )
    return len(parsed)


def member_regions(member_ids: list[int]) -> dict[int, tuple[float, float]]:
    """Where each of `member_ids` is, as far as the brand's data says: the centre (`SiteArea`)
    of the delivery region of their latest counted order shipped to an address. Members without
    such an order, or whose region has no centre loaded, are left out."""
    latest: dict[int, str] = {}
    for start in range(0, len(member_ids), 5000):
        part = member_ids[start : start + 5000]
        for member_id, region in (
            OrderAddress.objects.filter(counted("order__"), order__member_id__in=part)
            .annotate(at=sold_at("order__"))
            .order_by("at", "order_id")
            .values_list("order__member_id", "region")
        ):
            latest[member_id] = region.strip()
    areas = {
        a.region: (float(a.latitude), float(a.longitude))
        for a in SiteArea.objects.filter(region__in=set(latest.values()))
    }
    return {m: areas[r] for m, r in latest.items() if r in areas}
