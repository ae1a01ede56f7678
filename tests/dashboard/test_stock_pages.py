from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.inventory.services import ReserveLine, StockRow, stock_load, stock_reserve
from tests.factories import make_product, make_store, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def stocked():
    a, b = make_store("sta"), make_store("stb")
    product = make_product("JK9")
    skus = {s.size: s for s in product.skus.all()}
    for store, n in ((a, 4), (b, 7)):
        stock_load(
            store=store,
            rows=[StockRow(sku=s.sku_code, on_hand=n) for s in skus.values()],
            source="till",
        )
    expires = datetime(2030, 1, 2, 3, 4, tzinfo=UTC)
    stock_reserve(
        store_id=a.pk,
        lines=[ReserveLine(skus["M"].pk, 3)],
        kind="pickup",
        reference="PU-0042",
        expires_at=expires,
        at=clock.now(),
    )
    return a, b, skus


def _client(role, store=None, language="en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(make_user(role, store))
    return client


def test_store_staff_see_their_own_store(stocked):
    a, _, _ = stocked
    client = _client(Role.ASSISTANT, a)
    r = client.get(reverse("dashboard:stock"))
    assert r.status_code == 302 and r["Location"] == reverse("dashboard:stock_store", args=["sta"])
    page = client.get(reverse("dashboard:stock_store", args=["sta"]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "JK9-M" in html and "PU-0042" in html
    assert "2030-01-02 11:04" in html  # the store's time zone (Asia/Shanghai)
    m_row = html[html.index("JK9-M") : html.index("</tr>", html.index("JK9-M"))]
    assert '<td class="num">4</td><td class="num">3</td>' in m_row
    assert "<strong>1</strong>" in m_row
    assert client.get(reverse("dashboard:stock_store", args=["stb"])).status_code == 404


def test_hq_sees_every_store_and_filters(stocked):
    client = _client(Role.HQ_ADMIN)
    r = client.get(reverse("dashboard:stock"))
    html = r.content.decode()
    assert r.status_code == 200 and "sta" in html and "stb" in html
    r = client.get(reverse("dashboard:stock_store", args=["stb"]))
    assert "Nothing is reserved at this store." in r.content.decode()
    r = client.get(reverse("dashboard:stock_store", args=["sta"]) + "?reserved=1")
    html = r.content.decode()
    assert "JK9-M" in html and "JK9-S" not in html


def test_the_page_speaks_chinese(stocked):
    client = _client(Role.HQ_ADMIN, language="zh-hans")
    html = client.get(reverse("dashboard:stock_store", args=["sta"])).content.decode()
    assert "库存" in html and "已预留" in html and "可用" in html and "到店自提" in html
