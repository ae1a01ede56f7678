"""The Consistency page also lists marketplace orders whose platform prices differ from our
engine's (ADR 27), filtered by the same channel choice."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.marketplace.services import marketplace_order_import
from tests.dashboard.conftest import login
from tests.factories import make_product, make_user
from tests.listings.helpers import make_channel
from tests.marketplace.helpers import mp_order

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:consistency")


def test_drifted_marketplace_orders_are_listed_beside_the_listings(client):
    make_channel("tmall", name="天猫旗舰店", name_en="Tmall flagship shop")
    make_channel("jd", name="京东旗舰店", name_en="JD flagship shop")
    make_product("JK100", price="399.00")
    cheap = mp_order("TM-CHEAP", (("JK100-M", 1, "359.00"),), channel="tmall")
    marketplace_order_import(data=cheap)
    marketplace_order_import(data=mp_order("JD-SAME", channel="jd"))  # our price: no drift
    login(client, make_user(Role.MARKETER))
    html = client.get(URL).content.decode()
    assert "平台订单价格偏差" in html
    assert 'data-testid="order-drift-TM-CHEAP"' in html and "JD-SAME" not in html
    assert "¥359.00" in html and "¥399.00" in html
    assert 'data-testid="order-drift"' not in client.get(URL, {"channel": "jd"}).content.decode()
