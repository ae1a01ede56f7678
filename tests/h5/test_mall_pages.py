"""The mall pages: browse and search, the cart (session, then the member's), checkout to the
test provider's pay page, the order pages; and the web mall under /shop/."""

from __future__ import annotations

import re

import pytest

from omniloop.orders.models import CartLine, Order
from omniloop.orders.online import pickup_code_for
from omniloop.promotions.pricing import quote
from tests.factories import make_member, make_product
from tests.h5.helpers import all_by_testid, as_member, by_testid, in_english
from tests.orders.pickup_helpers import stock_all
from tests.promotions.pricing_helpers import coupon_offer, issued_coupon, make_shop, site_offers

pytestmark = pytest.mark.django_db

ADDRESS = {
    "recipient": "王小明",
    "phone": "13800138000",
    "region": "上海市 静安区",
    "line": "南京西路 1266 号",
}


def _yuan(text: str) -> str:
    return re.sub(r"[^\d.]", "", text)


def _checkout_form(client, prefix="/m"):
    page = client.get(f"{prefix}/checkout")
    assert page.status_code == 200
    html = page.content.decode()
    form_token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    total = re.search(r'name="expected_total" value="([^"]+)"', html).group(1)
    return form_token, total


def test_search_by_name_and_style_code_and_browse_by_category(client):
    make_shop()
    make_product("DR300", price="599.00")
    by_code = client.get("/m/browse", {"q": "jk1"})
    assert by_code.status_code == 200
    assert len(all_by_testid(by_code.content, "tile")) == 1
    assert "JK100" in by_code.content.decode()
    everything = client.get("/m/browse", {"c": "tops"})
    assert len(all_by_testid(everything.content, "tile")) == 3
    nothing = client.get("/m/browse", {"q": "zzz"})
    assert by_testid(nothing.content, "no-results")


def test_anonymous_cart_lives_in_the_session_and_is_priced_by_the_engine(client):
    make_shop()
    site_offers()
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    client.post("/m/cart/add", {"sku": "TS200-S", "quantity": "2"})
    page = client.get("/m/cart")
    expected = quote(
        items=[("JK100-M", 1), ("TS200-S", 2)],
        channel_code="wechat-mall",
        store_id=None,
        member_id=None,
        coupon_codes=[],
        shipping=__import__("decimal").Decimal("10.00"),
    )
    assert _yuan(by_testid(page.content, "total")) == str(expected.total)
    assert "满300减50" in by_testid(page.content, "applied")
    assert len(all_by_testid(page.content, "cart-row")) == 2
    assert CartLine.objects.count() == 0
    # A price the browser sends is ignored: the cart is SKUs and quantities only.
    client.post("/m/cart/add", {"sku": "TS200-S", "quantity": "1", "price": "0.01"})
    assert _yuan(by_testid(client.get("/m/cart").content, "total")) != "0.01"


def test_not_applied_offers_show_their_reason_code(client):
    make_shop()
    site_offers()
    client.post("/m/cart/add", {"sku": "TS200-S", "quantity": "1"})
    page = client.get("/m/cart")
    assert "offer_threshold_not_met" in by_testid(page.content, "not-applied")


def test_the_session_cart_joins_the_members_cart(client):
    make_shop()
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "2"})
    member = make_member()
    as_member(client, member)
    client.get("/m/cart")
    assert list(
        CartLine.objects.filter(member=member).values_list("sku__sku_code", "quantity")
    ) == [("JK100-M", 2)]


def test_checkout_needs_a_member(client):
    make_shop()
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    response = client.get("/m/checkout")
    assert response.status_code == 302 and response["Location"] == "/m/join"
    assert client.session["h5_after_join"] == "/m/checkout"


def test_checkout_places_one_order_and_sends_the_shopper_to_pay(client):
    make_shop()
    member = make_member()
    as_member(client, member)
    coupon = issued_coupon(member)
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, _ = _checkout_form(client)
    preview = client.post(
        "/m/checkout", {"token": form_token, "coupon": coupon.code, "action": "update", **ADDRESS}
    )
    total = re.search(r'name="expected_total" value="([^"]+)"', preview.content.decode()).group(1)
    data = {
        "token": form_token,
        "coupon": coupon.code,
        "action": "place",
        "expected_total": total,
        "fulfilment": "ship",
        **ADDRESS,
    }
    first = client.post("/m/checkout", data)
    assert first.status_code == 302
    assert first["Location"].startswith("/payments/test/pay/")
    order = Order.objects.get()
    assert str(order.total) == total
    assert order.channel.kind == "wechat_mall"
    # The double tap (the cart is empty now, the token is the same): still one order, and
    # the second answer goes on to pay for it too.
    again = client.post("/m/checkout", data)
    assert again.status_code == 302 and again["Location"].startswith("/payments/test/pay/")
    assert Order.objects.count() == 1
    pay_page = client.get(first["Location"])
    assert _yuan(by_testid(pay_page.content, "pay-amount")) == total
    paid = client.post(first["Location"], {"outcome": "pay"})
    assert paid.status_code == 302 and paid["Location"] == f"/m/orders/{order.number}"
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    detail = in_english(client).get(paid["Location"])
    assert by_testid(detail.content, "status") == "Paid"
    assert "Awaiting payment" in by_testid(detail.content, "history")
    assert "138****8000" in by_testid(detail.content, "order-address")


def test_a_bad_address_re_renders_the_form_with_the_error(client):
    make_shop()
    as_member(client, make_member())
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, total = _checkout_form(client)
    response = client.post(
        "/m/checkout",
        {"token": form_token, "action": "place", "expected_total": total, **ADDRESS, "line": ""},
    )
    assert response.status_code == 422
    assert "address_invalid" in by_testid(response.content, "error")
    assert Order.objects.count() == 0


def test_pickup_order_page_shows_the_code_once_paid(client):
    shop = make_shop()
    stock_all(shop.store)
    as_member(client, make_member())
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, _ = _checkout_form(client)
    picker = client.get("/m/checkout", {"fulfilment": "pickup"})
    assert by_testid(picker.content, "store-picker")
    total = re.search(r'name="expected_total" value="([^"]+)"', picker.content.decode()).group(1)
    pay = client.post(
        "/m/checkout",
        {
            "token": form_token,
            "action": "place",
            "fulfilment": "pickup",
            "pickup_store": shop.store.code,
            "expected_total": total,
        },
    )
    order = Order.objects.get()
    assert order.flow == "pickup"
    assert "pickup-code" not in client.get(f"/m/orders/{order.number}").content.decode()
    client.post(pay["Location"], {"outcome": "pay"})
    page = client.get(f"/m/orders/{order.number}")
    assert by_testid(page.content, "pickup-code") == pickup_code_for(order_number=order.number)
    html = page.content.decode()
    pickup = html[html.index('data-testid="pickup"') :]
    assert pickup.index("<svg") < pickup.index('data-testid="pickup-code"')


def test_another_members_order_is_not_found(client):
    make_shop()
    owner = make_member()
    as_member(client, owner)
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, total = _checkout_form(client)
    client.post(
        "/m/checkout", {"token": form_token, "action": "place", "expected_total": total, **ADDRESS}
    )
    number = Order.objects.get().number
    as_member(client, make_member())
    assert client.get(f"/m/orders/{number}").status_code == 404


def test_the_web_mall_serves_the_same_pages_and_records_the_web_channel(client):
    make_shop()
    as_member(client, make_member())
    home = client.get("/shop/")
    assert home.status_code == 200
    assert 'class="mall-web"' in home.content.decode()
    assert 'href="/shop/cart"' in home.content.decode()
    added = client.post("/shop/cart/add", {"sku": "JK100-M", "quantity": "1"})
    assert added["Location"] == "/shop/cart"
    form_token, total = _checkout_form(client, "/shop")
    pay = client.post(
        "/shop/checkout",
        {"token": form_token, "action": "place", "expected_total": total, **ADDRESS},
    )
    order = Order.objects.get()
    assert order.channel.kind == "web_mall"
    assert "return=%2Fshop%2Forders%2F" in pay["Location"]


def _scan_and_order(client, scene: str) -> Order:
    client.get(f"/s/{scene}")
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, total = _checkout_form(client)
    client.post(
        "/m/checkout",
        {"token": form_token, "action": "place", "expected_total": total, **ADDRESS},
    )
    return Order.objects.latest("pk")


def test_ordering_after_scanning_a_tag_in_store_is_scan_to_buy(client):
    from omniloop.accounts.models import Role
    from tests.factories import make_touchpoint, make_user

    shop = make_shop()
    assistant = make_user(Role.ASSISTANT, shop.store)
    tag = make_touchpoint("product_tag", store=shop.store, assistant=assistant, product=shop.jacket)
    as_member(client, make_member())
    order = _scan_and_order(client, tag.scene)
    assert order.flow == "scan_to_buy"
    assert (order.touchpoint_id, order.credited_store_id, order.credited_assistant_id) == (
        tag.pk,
        shop.store.pk,
        assistant.pk,
    )


def test_a_tag_scanned_long_ago_does_not_make_a_scan_to_buy(client, settings):
    from datetime import timedelta

    from freezegun import freeze_time

    from omniloop.core import clock
    from tests.factories import make_touchpoint

    shop = make_shop()
    tag = make_touchpoint("product_tag", store=shop.store, product=shop.jacket)
    as_member(client, make_member())
    client.get(f"/s/{tag.scene}")
    later = clock.now() + timedelta(hours=settings.OMNILOOP_SCAN_TO_BUY_HOURS + 1)
    with freeze_time(later):
        client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
        form_token, total = _checkout_form(client)
        client.post(
            "/m/checkout",
            {"token": form_token, "action": "place", "expected_total": total, **ADDRESS},
        )
    order = Order.objects.get()
    assert order.flow == "online"
    assert order.touchpoint_id is None


def test_the_coupon_picker_shows_what_each_coupon_saves_or_why_not(client):
    make_shop()
    member = make_member()
    as_member(client, member)
    fits = issued_coupon(member)  # ¥50 off from ¥300
    too_big = issued_coupon(
        member,
        coupon_offer(
            name="满1000减200", kind="amount_off", params={"amount": 20000, "min_spend": 100000}
        ),
    )
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    page = client.get("/m/checkout").content.decode()
    assert by_testid(page, "coupon-saving").endswith("50.00")
    assert "offer_threshold_not_met" in by_testid(page, "coupon-problem")
    assert (
        page.index(fits.code) < page.index('data-testid="coupon-saving"') < page.index(too_big.code)
    )


def test_without_an_enabled_provider_the_shopper_gets_a_clear_page(client, settings):
    settings.OMNILOOP_PAYMENT_PROVIDERS = []
    make_shop()
    as_member(client, make_member())
    client.post("/m/cart/add", {"sku": "JK100-M", "quantity": "1"})
    form_token, total = _checkout_form(client)
    response = client.post(
        "/m/checkout",
        {"token": form_token, "action": "place", "expected_total": total, **ADDRESS},
    )
    assert response.status_code == 404
    assert "payment_provider_unknown" in response.content.decode()
    assert Order.objects.get().status == Order.Status.PENDING  # the expiry job cancels it
