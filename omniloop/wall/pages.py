"""The wall's pages as values: key figures with the previous period, ECharts options (plain
JSON, drawn by `wall.js`) and tables. Views render them; exports write their tables."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from omniloop.wall import selectors as sel
from omniloop.wall.selectors import WallFilters
from omniloop.wall.tables import (
    FLOW_LABELS,
    JOIN_CHANNEL_LABELS,
    O2O_FLOWS,
    Column,
    Names,
    Table,
    percent,
    yuan,
)

PAGES = ("overview", "funnel", "o2o", "leaders", "cohorts")
PAGE_TITLES = {
    "overview": _("Sales and members"),
    "funnel": _("Funnel"),
    "o2o": _("O2O flows"),
    "leaders": _("Leaderboards"),
    "cohorts": _("Cohorts"),
    "sites": _("Site selection"),
}
CHART_TITLES = {
    "trend": _("Net sales by day, against the previous period"),
    "joins": _("New members by day"),
    "funnel": _("Scan, join, first purchase"),
    "flows": _("Net sales by flow"),
    "stores": _("Top stores by net sales"),
    "assistants": _("Top assistants by net sales"),
    "heatmap": _("Retention (%)"),
    "sites": _("Members' regions against the stores"),
}


@dataclass(frozen=True)
class Figure:
    key: str
    label: Any
    value: Decimal | int | None
    previous: Decimal | int | None
    kind: str = "int"  # int or money

    @property
    def change(self) -> Decimal | None:
        """Change against the previous period in percent (None when it had nothing)."""
        if self.value is None or not self.previous:
            return None
        return (
            (Decimal(self.value) - Decimal(self.previous)) * 100 / Decimal(self.previous)
        ).quantize(Decimal("0.1"))


@dataclass
class WallPage:
    name: str
    figures: list[Figure] = field(default_factory=list)
    charts: dict[str, dict[str, Any]] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    notes: list[Any] = field(default_factory=list)

    @property
    def title(self) -> Any:
        return PAGE_TITLES[self.name]

    @property
    def chart_list(self) -> list[tuple[str, Any, str]]:
        """(key, title, the ECharts option as JSON): the page carries it in a data attribute,
        which survives an htmx swap (htmx drops script elements, json_script's among them)."""
        return [(k, CHART_TITLES[k], json.dumps(o)) for k, o in self.charts.items()]


SALES_COLUMNS = (
    Column("orders", _("Orders"), "int"),
    Column("gross", _("Sales"), "money"),
    Column("refunds", _("Refund count"), "int"),
    Column("refund_amount", _("Refund amount"), "money"),
    Column("net", _("Net sales"), "money"),
)


def _sales_cells(f: sel.SalesFigures) -> tuple[int, Decimal, int, Decimal, Decimal]:
    return (f.orders, yuan(f.gross_fen), f.refunds, yuan(f.refund_fen), yuan(f.net_fen))


def _line(x: list[str], series: list[tuple[str, list[Any]]], *, money: bool) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 8, "top": 32, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": x},
        "yAxis": {"type": "value", "name": "¥" if money else ""},
        "series": [{"type": "line", "name": n, "data": d} for n, d in series],
    }


def _bars(x: list[str], series: list[tuple[str, list[Any]]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
        "yAxis": {"type": "category", "data": x, "inverse": True},
        "xAxis": {"type": "value"},
        "series": [{"type": "bar", "name": n, "data": d} for n, d in series],
    }


def _pie(items: list[tuple[str, Any]]) -> dict[str, Any]:
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [{"name": n, "value": v} for n, v in items],
                "label": {"show": False},
            }
        ],
    }


DETAIL_ROWS = 50
DAY_ROWS = 62


def overview_page(filters: WallFilters, *, whole: bool = False) -> WallPage:
    """`whole`: every row of every table (an export), not the first ones the page shows."""
    prev = filters.previous()
    now, before = sel.sales_totals(filters=filters), sel.sales_totals(filters=prev)
    (joins, firsts), (joins_b, firsts_b) = (
        sel.member_totals(filters=filters),
        sel.member_totals(filters=prev),
    )
    page = WallPage("overview")
    avg, avg_b = now.average_fen, before.average_fen
    page.figures = [
        Figure("net", _("Net sales"), yuan(now.net_fen), yuan(before.net_fen), "money"),
        Figure("orders", _("Orders"), now.orders, before.orders),
        Figure(
            "average",
            _("Average order"),
            yuan(avg) if avg is not None else None,
            yuan(avg_b) if avg_b is not None else None,
            "money",
        ),
        Figure("joins", _("New members"), joins, joins_b),
        Figure("first_purchases", _("First purchases"), firsts, firsts_b),
    ]
    days = sel.sales_by_day(filters=filters)
    days_b = sel.sales_by_day(filters=prev)
    joined = sel.joins_by_day(filters=filters)
    x = [d.strftime("%m-%d") for d, _f in days]
    page.charts["trend"] = _line(
        x,
        [
            (gettext("Net sales"), [float(yuan(f.net_fen)) for _d, f in days]),
            (gettext("Previous period"), [float(yuan(f.net_fen)) for _d, f in days_b]),
        ],
        money=True,
    )
    page.charts["joins"] = _line(
        x, [(gettext("New members"), [n for _d, n in joined])], money=False
    )
    page.tables["by_day"] = Table(
        "by_day",
        _("By day"),
        (Column("day", _("Day"), "date"), *SALES_COLUMNS, Column("joins", _("New members"), "int")),
        [(d, *_sales_cells(f), n) for (d, f), (_d2, n) in zip(days, joined, strict=True)],
        shown=DAY_ROWS,
        collapsed=True,
    )
    by_channel = sel.sales_breakdown(filters=filters, by=["channel"])
    by_store = sel.sales_breakdown(filters=filters, by=["store"])
    by_tp = sel.sales_breakdown(filters=filters, by=["touchpoint"])
    detail, detail_total = sel.sales_detail(filters=filters, limit=None if whole else DETAIL_ROWS)
    names = Names().load(
        channels={r.key for r in by_channel},
        stores={r.key for r in by_store},
        touchpoints={r.key for r in by_tp} | {r.key[2] for r in detail},
    )
    page.tables["by_channel"] = Table(
        "by_channel",
        _("By sales channel"),
        (Column("channel", _("Channel")), *SALES_COLUMNS),
        [(names.channel(r.key), *_sales_cells(r.figures)) for r in by_channel],
    )
    page.tables["by_store"] = Table(
        "by_store",
        _("By store"),
        (Column("store_code", _("Store code")), Column("store", _("Store")), *SALES_COLUMNS),
        [(names.store_code(r.key), names.store(r.key), *_sales_cells(r.figures)) for r in by_store],
        note=_("A sale counts for the store it is credited to (the fulfilling store when none)."),
    )
    page.tables["by_touchpoint"] = Table(
        "by_touchpoint",
        _("By ordering touchpoint"),
        (Column("touchpoint", _("Touchpoint")), *SALES_COLUMNS),
        [(names.touchpoint(r.key), *_sales_cells(r.figures)) for r in by_tp],
    )
    page.tables["detail"] = Table(
        "detail",
        _("Channel x touchpoint x store x day"),
        (
            Column("day", _("Day"), "date"),
            Column("channel", _("Channel")),
            Column("touchpoint", _("Touchpoint")),
            Column("store", _("Store")),
            *SALES_COLUMNS,
        ),
        [
            (
                r.key[0],
                names.channel(r.key[1]),
                names.touchpoint(r.key[2]),
                names.store(r.key[3]),
                *_sales_cells(r.figures),
            )
            for r in detail
        ],
        note=_("The page shows the first 50 rows; the exports hold every row."),
        collapsed=True,
        shown=DETAIL_ROWS,
        total=detail_total,
    )
    by_join = sel.joins_by_channel(filters=filters)
    page.tables["joins_by_channel"] = Table(
        "joins_by_channel",
        _("New members by join channel"),
        (
            Column("join_channel", _("Join channel")),
            Column("joins", _("New members"), "int"),
            Column("first_purchases", _("First purchases"), "int"),
        ),
        [(str(JOIN_CHANNEL_LABELS.get(c, c)), j, p) for c, j, p in by_join],
    )
    return page


def funnel_page(filters: WallFilters) -> WallPage:
    page = WallPage("funnel")
    by_tp = sel.funnel(filters=filters, by="touchpoint")
    by_as = sel.funnel(filters=filters, by="assistant")
    names = Names().load(touchpoints={r.key for r in by_tp}, assistants={r.key for r in by_as})
    scans = sel.scan_total(filters=filters)
    joins, firsts = sel.member_totals(filters=filters)
    page.figures = [
        Figure("scans", _("Scans"), scans, None),
        Figure("joins", _("New members"), joins, None),
        Figure("first_purchases", _("First purchases"), firsts, None),
    ]
    page.charts["funnel"] = {
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "funnel",
                "sort": "none",
                "left": "10%",
                "width": "80%",
                "label": {"show": True, "position": "inside"},
                "data": [
                    {"name": gettext("Scans"), "value": scans},
                    {"name": gettext("New members"), "value": joins},
                    {"name": gettext("First purchases"), "value": firsts},
                ],
            }
        ],
    }
    cols = (
        Column("scans", _("Scans"), "int"),
        Column("joins", _("New members"), "int"),
        Column("join_rate", _("Joins per 100 scans"), "percent"),
        Column("first_purchases", _("First purchases"), "int"),
        Column("buy_rate", _("First purchases per 100 joins"), "percent"),
    )

    def cells(r: sel.FunnelRow) -> tuple[int, int, Decimal | None, int, Decimal | None]:
        return (
            r.scans,
            r.joins,
            percent(r.joins, r.scans),
            r.first_purchases,
            percent(r.first_purchases, r.joins),
        )

    page.tables["by_touchpoint"] = Table(
        "by_touchpoint",
        _("Funnel per touchpoint"),
        (Column("touchpoint", _("Touchpoint")), *cols),
        [(names.touchpoint(r.key), *cells(r)) for r in by_tp],
    )
    page.tables["by_assistant"] = Table(
        "by_assistant",
        _("Funnel per assistant"),
        (Column("staff_code", _("Staff code")), Column("assistant", _("Assistant")), *cols),
        [(names.assistant_code(r.key), names.assistant(r.key), *cells(r)) for r in by_as],
    )
    page.notes.append(
        _(
            "Each step counts on its own day: scans of the code, members who joined through it, "
            "and first purchases by the members it recruited, in the period. A member is "
            "recruited by their first binding's touchpoint and assistant. Scans, joins and first "
            "purchases have no sales channel, so the channel filter does not apply here."
        )
    )
    return page


def o2o_page(filters: WallFilters) -> WallPage:
    page = WallPage("o2o")
    rows = sel.sales_breakdown(filters=filters, by=["flow"])
    total = sel.sales_totals(filters=filters)
    o2o = [r for r in rows if r.key in O2O_FLOWS]
    o2o_orders = sum(r.figures.orders for r in o2o)
    o2o_net = sum(r.figures.net_fen for r in o2o)
    page.figures = [
        Figure("o2o_orders", _("O2O orders"), o2o_orders, None),
        Figure("o2o_net", _("O2O net sales"), yuan(o2o_net), None, "money"),
        Figure("o2o_share", _("O2O share of net sales (%)"), percent(o2o_net, total.net_fen), None),
    ]
    page.charts["flows"] = _pie(
        [(str(FLOW_LABELS.get(r.key, r.key)), float(yuan(r.figures.net_fen))) for r in rows]
    )
    page.tables["by_flow"] = Table(
        "by_flow",
        _("Orders by flow"),
        (
            Column("flow", _("Flow")),
            Column("o2o", _("O2O")),
            *SALES_COLUMNS,
            Column("order_share", _("Share of orders (%)"), "percent"),
            Column("net_share", _("Share of net sales (%)"), "percent"),
        ),
        [
            (
                str(FLOW_LABELS.get(r.key, r.key)),
                gettext("Yes") if r.key in O2O_FLOWS else gettext("No"),
                *_sales_cells(r.figures),
                percent(r.figures.orders, total.orders),
                percent(r.figures.net_fen, total.net_fen),
            )
            for r in rows
        ],
        note=_(
            "O2O flows: buy online and pick up in store, scan a tag in store and buy online, "
            "endless aisle, and ship from store."
        ),
    )
    return page


def leaders_page(filters: WallFilters) -> WallPage:
    page = WallPage("leaders")
    stores = sel.sales_breakdown(filters=filters, by=["store"])
    assistants = [r for r in sel.sales_breakdown(filters=filters, by=["assistant"]) if r.key]
    recruits = {r.key: r for r in sel.funnel(filters=filters, by="assistant")}
    store_joins = sel.joins_by_store(filters=filters)
    names = Names().load(
        stores={r.key for r in stores} | set(store_joins),
        assistants={r.key for r in assistants} | set(recruits),
    )
    page.charts["stores"] = _bars(
        [names.store(r.key) for r in stores[:10]],
        [(gettext("Net sales"), [float(yuan(r.figures.net_fen)) for r in stores[:10]])],
    )
    page.charts["assistants"] = _bars(
        [names.assistant(r.key) for r in assistants[:10]],
        [(gettext("Net sales"), [float(yuan(r.figures.net_fen)) for r in assistants[:10]])],
    )
    page.tables["stores"] = Table(
        "stores",
        _("Store leaderboard"),
        (
            Column("rank", _("Rank"), "int"),
            Column("store_code", _("Store code")),
            Column("store", _("Store")),
            *SALES_COLUMNS,
            Column("joins", _("New members"), "int"),
        ),
        [
            (
                i,
                names.store_code(r.key),
                names.store(r.key),
                *_sales_cells(r.figures),
                store_joins.get(r.key, 0),
            )
            for i, r in enumerate(stores, 1)
        ],
    )
    none = sel.FunnelRow(0, 0, 0, 0)
    page.tables["assistants"] = Table(
        "assistants",
        _("Assistant leaderboard"),
        (
            Column("rank", _("Rank"), "int"),
            Column("staff_code", _("Staff code")),
            Column("assistant", _("Assistant")),
            *SALES_COLUMNS,
            Column("joins", _("Members recruited"), "int"),
            Column("first_purchases", _("First purchases"), "int"),
        ),
        [
            (
                i,
                names.assistant_code(r.key),
                names.assistant(r.key),
                *_sales_cells(r.figures),
                recruits.get(r.key, none).joins,
                recruits.get(r.key, none).first_purchases,
            )
            for i, r in enumerate(assistants, 1)
        ],
        note=_("Ranked by net sales credited to the assistant in the period."),
    )
    return page


def cohorts_page(filters: WallFilters, *, today: date) -> WallPage:
    page = WallPage("cohorts")
    rows = sel.cohorts(filters=filters, today=today)
    width = len(rows[0].active) if rows else 7
    page.tables["cohorts"] = Table(
        "cohorts",
        _("Retention by join month and join channel"),
        (
            Column("cohort", _("Join month")),
            Column("join_channel", _("Join channel")),
            Column("size", _("Members"), "int"),
            *(Column(f"m{k}", f"M+{k} (%)", "percent") for k in range(width)),
        ),
        [
            (
                f"{r.cohort:%Y-%m}",
                str(JOIN_CHANNEL_LABELS.get(r.join_channel, r.join_channel)),
                r.size,
                *(percent(a, r.size) if a is not None else None for a in r.active),
            )
            for r in rows
        ],
        note=_(
            "Members who joined in a month, by how they joined, and the share of them who paid "
            "for an order in that month (M+0) and each month after. Merged members count with "
            "the member they merged into."
        ),
    )
    cells = [
        [k, i, float(percent(a, r.size) or 0)]
        for i, r in enumerate(rows)
        for k, a in enumerate(r.active)
        if a is not None
    ]
    page.charts["heatmap"] = {
        "tooltip": {"position": "top"},
        "grid": {"left": 8, "right": 8, "top": 8, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": [f"M+{k}" for k in range(width)]},
        "yAxis": {
            "type": "category",
            "inverse": True,
            "data": [
                f"{r.cohort:%Y-%m} {JOIN_CHANNEL_LABELS.get(r.join_channel, r.join_channel)}"
                for r in rows
            ],
        },
        "visualMap": {
            "min": 0,
            "max": 100,
            "orient": "horizontal",
            "left": "center",
            "bottom": 0,
            "calculable": False,
        },
        "series": [{"type": "heatmap", "data": cells, "label": {"show": True}}],
    }
    return page


def wall_page(name: str, filters: WallFilters, *, today: date, whole: bool = False) -> WallPage:
    if name == "overview":
        return overview_page(filters, whole=whole)
    if name == "funnel":
        return funnel_page(filters)
    if name == "o2o":
        return o2o_page(filters)
    if name == "leaders":
        return leaders_page(filters)
    return cohorts_page(filters, today=today)
