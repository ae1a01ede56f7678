"""The marketing wall (大屏, ADR 26): five pages over the wall's daily cells, filtered by period,
store and sales channel, each table exported as CSV or XLSX. The pages and their tables are
built by `omniloop.wall.pages`; this module reads the query string and renders."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from omniloop.accounts.access import Actor
from omniloop.campaigns.wall_panel import campaign_wall_table
from omniloop.dashboard.decorators import is_htmx, staff_view
from omniloop.wall.pages import PAGE_TITLES, PAGES, WallPage, wall_page
from omniloop.wall.pages_sites import sites_page
from omniloop.wall.selectors import (
    parse_day,
    parse_id,
    parse_radius,
    wall_filter_choices,
    wall_filters_for,
    wall_today,
)
from omniloop.wall.tables import table_csv, table_xlsx

DEFAULT_DAYS = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _tabs(actor: Actor) -> list[tuple[str, Any]]:
    """The wall's pages for the tabs; site selection is HQ's (brand-wide member locations)."""
    names = [*PAGES, "sites"] if actor.is_hq else list(PAGES)
    return [(p, PAGE_TITLES[p]) for p in names]


def _export(page: WallPage, request: HttpRequest, export: str, *, stem: str) -> HttpResponse:
    table = page.tables.get(request.GET.get("table", ""))
    if table is None:
        raise Http404
    if export == "csv":
        response = HttpResponse(table_csv(table), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(table_xlsx(table), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{stem}-{table.key}.{export}"'
    return response


def _render(request: HttpRequest, actor: Actor, name: str) -> HttpResponse:
    if name not in PAGES:
        raise Http404
    today = wall_today()
    end = parse_day(request.GET.get("to"), today)
    start = parse_day(request.GET.get("from"), end - timedelta(days=DEFAULT_DAYS - 1))
    filters = wall_filters_for(
        actor=actor,
        start=start,
        end=end,
        store_id=parse_id(request.GET.get("store")),
        channel_id=parse_id(request.GET.get("channel")),
    )
    export = request.GET.get("export")
    page = wall_page(name, filters, today=today, whole=export in ("csv", "xlsx"))
    if name == "overview" and actor.is_hq:
        # Campaigns sit above the wall: their summary is added here (brand-wide, HQ's).
        page.tables["campaigns"] = campaign_wall_table(start=filters.start, end=filters.end)
    if export in ("csv", "xlsx"):
        stem = f"wall-{name}-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
        return _export(page, request, export, stem=stem)
    stores, channels = wall_filter_choices(actor=actor)
    query = request.GET.copy()
    for key in ("export", "table"):
        query.pop(key, None)
    context = {
        "page": page,
        "tabs": _tabs(actor),
        "filters": filters,
        "previous": filters.previous(),
        "stores": stores,
        "channels": channels,
        "is_hq": actor.is_hq,
        "query": query.urlencode(),
    }
    template = "wall/_body.html" if is_htmx(request) else "wall/page.html"
    return render(request, template, context)


@staff_view("dashboard:wall_sites")
def wall_sites(request: HttpRequest, actor: Actor) -> HttpResponse:
    radius = parse_radius(request.GET.get("radius"))
    page = sites_page(radius)
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return _export(page, request, export, stem=f"wall-sites-{radius}km")
    query = request.GET.copy()
    for key in ("export", "table"):
        query.pop(key, None)
    context = {
        "page": page,
        "tabs": _tabs(actor),
        "radius": radius,
        "query": query.urlencode(),
        # The wall sits below campaigns: the dashboard links the two (ADR 35).
        "new_store_url": reverse("dashboard:campaign_new") + "?playbook=new-store",
    }
    template = "wall/_body.html" if is_htmx(request) else "wall/page.html"
    return render(request, template, context)


@staff_view("dashboard:wall")
def wall(request: HttpRequest, actor: Actor) -> HttpResponse:
    return _render(request, actor, "overview")


@staff_view("dashboard:wall_page")
def wall_page_view(request: HttpRequest, actor: Actor, page: str) -> HttpResponse:
    return _render(request, actor, page)
