"""The flash-sale detail page: stock, claims by state, top claimers with masked phones; for HQ
admins and marketers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.promotions.flash import flash_sale_claim
from tests.dashboard.conftest import error_code, login
from tests.promotions.flash_helpers import make_flash_sale

pytestmark = pytest.mark.django_db


def test_the_detail_page_shows_stock_claims_and_masked_claimers(client, world):
    sale = make_flash_sale(name="周末秒杀", stock=10, per_member_limit=2)
    flash_sale_claim(flash_sale_id=sale.pk, member_id=world.member_a.pk, quantity=2)
    login(client, world.marketer)
    list_html = client.get(reverse("dashboard:flash_sales")).content.decode()
    url = reverse("dashboard:flash_sale_detail", args=[sale.pk])
    assert f'href="{url}"' in list_html
    r = client.get(url)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="flash-stock-left">8<' in html and 'data-testid="flash-held">2<' in html
    assert "周末秒杀" in html and "抢购最多的会员" in html
    assert "138****8001" in html and world.phone_a not in html
    client.cookies["django_language"] = "en"
    assert "Top claimers" in client.get(url).content.decode()


@pytest.mark.parametrize("who", ["manager_a", "assistant_a", "cs"])
def test_store_staff_and_agents_cannot_open_it(client, world, who):
    sale = make_flash_sale()
    login(client, getattr(world, who))
    r = client.get(reverse("dashboard:flash_sale_detail", args=[sale.pk]))
    assert r.status_code == 403 and error_code(r.content.decode()) == "role_forbidden"


def test_an_unknown_sale_is_404(client, world):
    login(client, world.hq)
    assert client.get(reverse("dashboard:flash_sale_detail", args=[987654])).status_code == 404
