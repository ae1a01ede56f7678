"""The site selection page (选址, ADR 26) as a value: figures, a longitude x latitude scatter of
stores and delivery regions, and the candidate, unplaced and store tables (`wall.sites`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.wall.pages import Figure, WallPage
from omniloop.wall.sites import site_regions, site_stores
from omniloop.wall.tables import Column, Names, Table


def sites_page(radius_km: Decimal) -> WallPage:
    """Store site selection: delivery regions against the stores' catchment (`wall.sites`)."""
    page = WallPage("sites")
    radius = float(radius_km)
    regions = site_regions()
    stores = site_stores()
    names = Names().load(stores={s.pk for s in stores})
    candidates = [r for r in regions if r.outside(radius)]
    unplaced = [r for r in regions if not r.placed]
    page.figures = [
        Figure("located", _("Members located"), sum(r.members for r in regions), None),
        Figure("regions", _("Delivery regions"), len(regions), None),
        Figure("candidates", _("Candidate sites"), len(candidates), None),
        Figure("unplaced", _("Regions without coordinates"), len(unplaced), None),
    ]
    served = [r for r in regions if r.placed and not r.outside(radius)]
    biggest = max((r.members for r in regions if r.placed), default=1)

    def points(rows: list[Any]) -> list[dict[str, Any]]:
        return [
            {
                "name": r.region,
                "value": [r.longitude, r.latitude, r.members],
                "symbolSize": 8 + 32 * r.members / biggest,
            }
            for r in rows
        ]

    page.charts["sites"] = {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 32, "containLabel": True},
        "xAxis": {"type": "value", "name": gettext("Longitude"), "scale": True},
        "yAxis": {"type": "value", "name": gettext("Latitude"), "scale": True},
        "series": [
            {
                "type": "scatter",
                "name": gettext("Stores"),
                "symbol": "pin",
                "symbolSize": 22,
                "data": [
                    {
                        "name": names.store(s.pk),
                        "value": [float(s.longitude or 0), float(s.latitude or 0)],
                    }
                    for s in stores
                ],
            },
            {"type": "scatter", "name": gettext("Candidate sites"), "data": points(candidates)},
            {"type": "scatter", "name": gettext("Within a catchment"), "data": points(served)},
        ],
    }
    region_cols = (
        Column("region", _("Delivery region")),
        Column("members", _("Members"), "int"),
        Column("spend", _("Spend"), "money"),
    )
    page.tables["candidates"] = Table(
        "candidates",
        _("Candidate sites: regions outside every catchment"),
        (
            Column("rank", _("Rank"), "int"),
            *region_cols,
            Column("nearest", _("Nearest store")),
            Column("km", _("Distance (km)")),
        ),
        [
            (
                i,
                r.region,
                r.members,
                r.spend,
                names.store(r.nearest_store_id) if r.nearest_store_id else "—",
                f"{r.nearest_km:.2f}" if r.nearest_km is not None else None,
            )
            for i, r in enumerate(candidates, 1)
        ],
        empty=_("No delivery region with members lies outside every catchment."),
        note=_(
            "Opening a store here starts the new-store campaign playbook for the members "
            "nearby: add the store (planned, with its coordinates), then use the button below."
        ),
    )
    page.tables["unplaced"] = Table(
        "unplaced",
        _("Regions without coordinates"),
        region_cols,
        [(r.region, r.members, r.spend) for r in unplaced],
        empty=_("Every delivery region with members has coordinates."),
        note=_(
            "Orders carry a region's name, not its coordinates. Load the regions' centres "
            "with `omniloop site_areas_import` to place them."
        ),
    )
    page.tables["stores"] = Table(
        "stores",
        _("Stores and their catchment"),
        (
            Column("store_code", _("Store code")),
            Column("store", _("Store")),
            Column("lat", _("Latitude")),
            Column("lon", _("Longitude")),
            Column("radius", _("Catchment radius (km)")),
        ),
        [
            (s.code, names.store(s.pk), str(s.latitude), str(s.longitude), str(radius_km))
            for s in stores
        ],
    )
    page.notes.append(
        _(
            "A member is located by the delivery region of their latest paid order shipped to an "
            "address; members who never had an order shipped are not on the map. Points are "
            "plotted by longitude and latitude without a base map, and their size follows the "
            "members in the region."
        )
    )
    return page
