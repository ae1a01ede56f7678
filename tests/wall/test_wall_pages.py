"""The wall's pages render for HQ and for a store manager (scoped to their store), and every
table exports as CSV and XLSX with the rows the page builds."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from omniloop.accounts.models import Role
from omniloop.members.services import member_create
from omniloop.wall.pages import PAGES
from tests.factories import make_user
from tests.orders.helpers import sell
from tests.wall.world import build_world

pytestmark = pytest.mark.django_db
PERIOD = "from=2026-09-01&to=2026-10-31"


def _url(page: str) -> str:
    return "/dashboard/wall/" if page == "overview" else f"/dashboard/wall/{page}/"


@pytest.mark.parametrize("page", PAGES)
def test_each_page_renders_and_exports_every_table(client, page):
    build_world(n_members=4)
    client.force_login(make_user(Role.HQ_ADMIN))
    response = client.get(f"{_url(page)}?{PERIOD}")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="wall-filters"' in body
    tables = response.context["page"].tables
    assert tables
    for key, table in tables.items():
        assert f'data-testid="table-{key}"' in body
        got = client.get(f"{_url(page)}?{PERIOD}&export=csv&table={key}")
        assert got.status_code == 200
        rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
        assert rows[0] == [str(c.label) for c in table.columns]
        assert len(rows) == len(table.rows) + 1
        got = client.get(f"{_url(page)}?{PERIOD}&export=xlsx&table={key}")
        sheet = load_workbook(io.BytesIO(got.content)).active
        values = list(sheet.iter_rows(values_only=True))
        assert len(values) == len(table.rows) + 1
    # htmx asks for the body only
    fragment = client.get(f"{_url(page)}?{PERIOD}", headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"wall-period" in fragment.content


def test_a_store_manager_sees_only_their_store(client):
    world = build_world(n_members=4)
    manager = make_user(Role.STORE_MANAGER, world.bo)
    client.force_login(manager)
    response = client.get(f"/dashboard/wall/leaders/?{PERIOD}")
    assert response.context["filters"].store_id == world.bo.pk
    stores = response.context["page"].tables["stores"].rows
    assert [r[1] for r in stores] == ["wbo"]
    # Asking for another store is not found, and writes nothing to the page
    other = client.get(f"/dashboard/wall/?{PERIOD}&store={world.sh.pk}")
    assert other.status_code == 404
    # Assistants and customer service have no wall
    client.force_login(make_user(Role.ASSISTANT, world.bo))
    assert client.get("/dashboard/wall/").status_code == 403


def test_bad_filters_are_refused(client):
    client.force_login(make_user(Role.HQ_ADMIN))
    assert client.get("/dashboard/wall/?from=2026-10-01&to=2026-09-01").status_code == 422
    assert client.get("/dashboard/wall/?from=nope").status_code == 422
    assert client.get("/dashboard/wall/nope/").status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_a_wall_page_reads_only_the_cells_and_a_few_names(client, page):
    """The invariant that keeps the wall fast at brand scale: no page reads orders, returns,
    scans, members or bindings, and the number of statements does not grow with the data."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    world = build_world(n_members=4)
    client.force_login(make_user(Role.HQ_ADMIN))
    client.get(f"{_url(page)}?{PERIOD}")  # warm-up: brand settings and the like
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{_url(page)}?{PERIOD}").status_code == 200
    for table in ("orders_", "touchpoints_scanevent", "members_", "attribution_"):
        assert not [q["sql"] for q in small.captured_queries if f'"{table}' in q["sql"]], table
    for i in range(6):  # more members and sales on days already shown
        with freeze_time(datetime(2026, 9, 3 + i, 6, tzinfo=UTC)):
            member = member_create(join_source="till")
            sell(world.sh, [("WSH1-M", 1)], total="100.00", receipt=f"MORE-{i}", member=member)
    with CaptureQueriesContext(connection) as large:
        assert client.get(f"{_url(page)}?{PERIOD}").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
