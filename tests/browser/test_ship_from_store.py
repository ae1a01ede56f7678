"""Ship from store at a phone's width and in both languages: an HQ admin lets the store ship
online orders, a paid mall order routed there waits on the manager's To ship page, Shipped
takes the stock. Screenshots go to test-artifacts/browser/ship-*.png."""

from __future__ import annotations

import pytest
from django.db import transaction

from omniloop.accounts.models import Role
from omniloop.inventory.models import StockLevel
from omniloop.orders.models import Order
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from tests.browser.conftest import staff_login
from tests.factories import make_member, make_user
from tests.orders.online_helpers import checkout, place
from tests.orders.pickup_helpers import stock
from tests.promotions.pricing_helpers import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_routing_on_then_the_store_ships_from_its_queue(live_server, chromium, shoot, locale):
    base = live_server.url
    shop = make_shop()
    stock(shop.store, "JK100-M", 4)
    admin = make_user(Role.HQ_ADMIN, username=f"routing-admin-{locale}")
    manager = make_user(Role.STORE_MANAGER, shop.store, username=f"sh01-manager-{locale}")
    view = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": locale}
    lang = {"Accept-Language": locale}

    hq = chromium.new_context(**view, extra_http_headers=lang).new_page()
    staff_login(hq, base, admin.username)
    hq.goto(f"{base}/dashboard/shipments/?store={shop.store.code}")
    hq.click("[data-testid=routing-toggle]")
    hq.wait_for_load_state()
    assert hq.locator("[data-testid=routing-toggle]").count() == 1
    assert hq.evaluate(OVERFLOW) <= 0
    shoot(hq, f"ship-390-{locale}-1-routing-on")

    order = place(make_member(), checkout([("JK100-M", 1)]))
    assert order.flow == Order.Flow.SHIP_FROM_STORE
    with transaction.atomic():
        order_mark_paid(order=lock_order_with_payments(order.pk), at=order.ordered_at)

    staff = chromium.new_context(**view, extra_http_headers=lang).new_page()
    errors: list[str] = []
    staff.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    staff_login(staff, base, manager.username)
    staff.goto(f"{base}/dashboard/shipments/")
    row = staff.locator(f"[data-testid=ship-{order.number}]")
    assert row.count() == 1 and "JK100-M" in row.inner_text() and "138****8000" in row.inner_text()
    box = row.locator("[data-testid=mark-shipped]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert staff.evaluate(OVERFLOW) <= 0
    shoot(staff, f"ship-390-{locale}-2-queue")
    row.locator("[data-testid=mark-shipped]").click()
    staff.wait_for_load_state()
    assert staff.locator(f"[data-testid=ship-{order.number}]").count() == 0
    shoot(staff, f"ship-390-{locale}-3-shipped")
    order.refresh_from_db()
    level = StockLevel.objects.get(store=shop.store, sku__sku_code="JK100-M")
    assert order.status == Order.Status.SHIPPED and (level.on_hand, level.reserved) == (3, 0)
    assert errors == []
