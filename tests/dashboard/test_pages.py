from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role, User
from omniloop.core import clock
from omniloop.orders.services import till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.stores.models import Store
from tests.dashboard.conftest import login
from tests.factories import make_member, make_product, make_touchpoint

pytestmark = pytest.mark.django_db


def _sale(store: Store, member_code: str, receipt: str, sku: str) -> None:
    till_sale_record(
        store=store,
        sale=TillSaleInput(
            receipt_no=receipt,
            total=Decimal("399.00"),
            member_code=member_code,
            lines=(
                SaleLineInput(
                    sku=sku, quantity=1, unit_price=Decimal("399.00"), amount=Decimal("399.00")
                ),
            ),
        ),
    )


def test_home_counts_in_scope(client, world):
    product = make_product()
    sku = product.skus.first().sku_code
    _sale(world.store_a, world.member_a.code, "R1", sku)
    _sale(world.store_b, world.member_b.code, "R2", sku)
    make_member(joined_at=clock.now() - timedelta(days=30))
    login(client, world.manager_a)
    ctx = client.get(reverse("dashboard:home")).context
    assert (ctx["member_count"], ctx["new_member_count"], ctx["sales_count"]) == (1, 1, 1)
    assert ctx["sales_total"] == Decimal("399.00")
    client.force_login(world.hq)
    ctx = client.get(reverse("dashboard:home")).context
    assert (ctx["member_count"], ctx["new_member_count"], ctx["sales_count"]) == (3, 2, 2)


def test_profile_timeline_shows_orders(client, world):
    product = make_product()
    _sale(world.store_a, world.member_a.code, "R9", product.skus.first().sku_code)
    login(client, world.manager_a)
    html = client.get(reverse("dashboard:member_detail", args=[world.member_a.pk])).content
    assert product.name.encode() in html and "¥399.00".encode() in html


def test_store_pages_are_scoped(client, world):
    login(client, world.manager_a)
    html = client.get(reverse("dashboard:stores")).content.decode()
    assert world.store_a.code in html and world.store_b.code not in html

    def status(name: str, code: str) -> int:
        return client.get(reverse(name, args=[code])).status_code

    assert status("dashboard:store_detail", world.store_a.code) == 200
    assert status("dashboard:store_detail", world.store_b.code) == 404
    assert status("dashboard:store_edit", world.store_a.code) == 403


def test_hq_creates_and_edits_stores(client, world):
    login(client, world.hq)
    data = {
        "code": "gz01",
        "name": "广州店",
        "name_en": "Guangzhou",
        "city": "广州",
        "type": "direct",
        "timezone": "Mars/Base",
        "status": "open",
    }
    response = client.post(reverse("dashboard:store_create"), data)
    assert response.status_code == 422 and "timezone" in response.context["form"].errors
    response = client.post(reverse("dashboard:store_create"), {**data, "timezone": "Asia/Shanghai"})
    assert response.status_code == 302
    store = Store.objects.get(code="gz01")
    response = client.post(
        reverse("dashboard:store_edit", args=["gz01"]),
        {**data, "code": "hacked", "timezone": "Asia/Shanghai", "status": "closed"},
    )
    assert response.status_code == 302
    store.refresh_from_db()
    assert store.status == "closed" and store.code == "gz01"


def test_manager_creates_assistants_for_own_store_only(client, world):
    login(client, world.manager_a)
    base = {
        "username": "newbie",
        "display_name": "New",
        "staff_code": "A90001",
        "password": "a-long-enough-pass-9",
    }
    response = client.post(
        reverse("dashboard:staff_create"),
        {**base, "role": "store_manager", "store": world.store_a.pk},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("dashboard:staff_create"), {**base, "role": "assistant", "store": world.store_b.pk}
    )
    assert response.status_code == 422
    response = client.post(
        reverse("dashboard:staff_create"), {**base, "role": "assistant", "store": world.store_a.pk}
    )
    assert response.status_code == 302
    user = User.objects.get(username="newbie")
    assert user.role == Role.ASSISTANT and user.store_id == world.store_a.pk
    html = client.get(reverse("dashboard:staff")).content.decode()
    assert "newbie" in html and world.assistant_b.username not in html


def test_hq_creates_any_staff(client, world):
    login(client, world.hq)
    response = client.post(
        reverse("dashboard:staff_create"),
        {"username": "mkt2", "role": "marketer", "password": "a-long-enough-pass-9"},
    )
    assert response.status_code == 302
    assert User.objects.get(username="mkt2").store_id is None
    response = client.post(
        reverse("dashboard:staff_create"),
        {"username": "mkt2", "role": "marketer", "password": "a-long-enough-pass-9"},
    )
    assert response.status_code == 422


def test_products_readable_by_every_role(client, world):
    product = make_product()
    for user in (world.assistant_a, world.cs):
        client.force_login(user)
        assert product.style_code in client.get(reverse("dashboard:products")).content.decode()
        html = client.get(reverse("dashboard:product_detail", args=[product.style_code]))
        assert html.status_code == 200
        assert product.skus.first().barcode in html.content.decode()
    assert client.get(reverse("dashboard:product_detail", args=["nope"])).status_code == 404


def test_english_labels(client, world):
    make_touchpoint("store_counter", store=world.store_a)
    login(client, world.manager_a)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("dashboard:touchpoints")).content.decode()
    assert "Store counter" in html and world.store_a.name_en in html
    client.cookies["django_language"] = "zh-hans"
    html = client.get(reverse("dashboard:touchpoints")).content.decode()
    assert "门店柜台" in html
