"""online_order_place: priced by the engine, coupons held, flow and credit, idempotent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.core.errors import ApplicationError
from omniloop.orders.models import CartLine, Order, OrderAddress, OrderStatusChange
from omniloop.orders.online import mall_channel, pickup_code_for, pickup_code_hash, shipping_fee
from omniloop.orders.online_values import FulfilmentChoice, Mall
from omniloop.promotions.models import Coupon
from omniloop.promotions.pricing import quote
from tests.factories import make_member, make_store, make_touchpoint, make_user
from tests.orders.online_helpers import checkout, place, token
from tests.orders.pickup_helpers import stock_all
from tests.promotions.pricing_helpers import issued_coupon, live_offer, make_shop, site_offers

pytestmark = pytest.mark.django_db
ITEMS = [("JK100-M", 1), ("TS200-S", 2)]


def _independent(member, *, shipping: Decimal, codes=(), channel="wechat-mall"):
    return quote(
        items=ITEMS,
        channel_code=channel,
        store_id=None,
        member_id=member.pk,
        coupon_codes=list(codes),
        shipping=shipping,
    )


def test_placed_order_is_priced_by_the_engine_with_lines_history_and_address():
    make_shop()
    site_offers()
    member = make_member()
    order = place(member, checkout(ITEMS))
    expected = _independent(member, shipping=shipping_fee(fulfilment=FulfilmentChoice.SHIP))
    assert order.total == expected.total
    assert order.discount_total == expected.discount_total
    assert order.discount_total > 0  # the threshold offer applied: 399 + 2 x 99.50 = 598
    assert order.status == Order.Status.PENDING
    assert order.flow == Order.Flow.ONLINE
    assert order.fulfilment == Order.Fulfilment.WAREHOUSE
    assert order.channel.kind == "wechat_mall"
    lines = list(order.lines.order_by("pk"))
    assert sum(line.amount for line in lines) + order.shipping_fee == order.total
    assert [(line.sku.sku_code, line.quantity) for line in lines] == ITEMS
    history = list(OrderStatusChange.objects.filter(order=order))
    assert [(h.from_status, h.to_status) for h in history] == [("", "pending")]
    address = OrderAddress.objects.get(order=order)
    assert address.phone_masked == "138****8000"
    assert b"13800138000" not in bytes(address.phone_encrypted)


def test_a_double_submit_makes_one_order():
    make_shop()
    member = make_member()
    form = token()
    first = place(member, checkout(ITEMS), form)
    second = place(member, checkout(ITEMS), form)
    assert first.pk == second.pk
    assert Order.objects.count() == 1


def test_a_refused_checkout_writes_nothing():
    make_shop()
    member = make_member()
    coupon = issued_coupon(member)
    bad = checkout(ITEMS, codes=(coupon.code, "NOSUCHCODE"))
    with pytest.raises(ApplicationError) as caught:
        place(member, bad)
    assert caught.value.code == "coupon_unknown"
    assert Order.objects.count() == 0
    assert Coupon.objects.get(pk=coupon.pk).state == Coupon.State.ISSUED


def test_a_changed_price_is_refused():
    make_shop()
    member = make_member()
    with pytest.raises(ApplicationError) as caught:
        place(member, checkout(ITEMS, expected_total=Decimal("1.00")))
    assert caught.value.code == "checkout_total_changed"
    assert Order.objects.count() == 0


def test_the_checkout_holds_its_coupon_under_the_order_number():
    make_shop()
    member = make_member()
    coupon = issued_coupon(member)
    order = place(member, checkout(ITEMS, codes=(coupon.code,)))
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.RESERVED
    assert coupon.reservation_ref == order.number
    without = _independent(member, shipping=Decimal(order.shipping_fee))
    assert without.total - order.total == Decimal("50.00")


def test_free_shipping_offer_takes_the_fee_off():
    make_shop()
    member = make_member()
    fee = shipping_fee(fulfilment=FulfilmentChoice.SHIP)
    assert fee > 0
    paid_shipping = place(member, checkout(ITEMS))
    assert paid_shipping.shipping_fee == fee
    live_offer(name="包邮", kind="free_shipping", params={})
    free = place(member, checkout(ITEMS))
    assert free.shipping_fee == 0
    assert paid_shipping.total - free.total == fee


def test_pickup_order_stores_only_the_code_hash():
    shop = make_shop()
    stock_all(shop.store)
    member = make_member()
    order = place(
        member,
        checkout(ITEMS, fulfilment=FulfilmentChoice.PICKUP, pickup_store=shop.store.code),
    )
    assert order.flow == Order.Flow.PICKUP
    assert order.fulfilment == Order.Fulfilment.PICKUP
    assert order.store_id == shop.store.pk
    assert order.shipping_fee == 0
    code = pickup_code_for(order_number=order.number)
    assert len(code) == 6 and code.isdigit()
    assert order.pickup_code_hash == pickup_code_hash(code)
    assert code not in order.pickup_code_hash
    assert not OrderAddress.objects.filter(order=order).exists()


def test_pickup_needs_an_open_store():
    make_shop()
    closed = make_store("closed1", status="closed")
    member = make_member()
    with pytest.raises(ApplicationError) as caught:
        place(member, checkout(ITEMS, fulfilment=FulfilmentChoice.PICKUP, pickup_store=closed.code))
    assert caught.value.code == "pickup_store_unavailable"


def test_online_order_is_credited_to_the_bound_store_and_assistant():
    shop = make_shop()
    assistant = make_user(Role.ASSISTANT, shop.store)
    member = make_member()
    binding_touch(member=member, store_id=shop.store.pk, assistant_id=assistant.pk, source="test")
    order = place(member, checkout(ITEMS))
    assert (order.credited_store_id, order.credited_assistant_id) == (shop.store.pk, assistant.pk)
    assert order.credit_rule == "online_bound_member"
    assert order.touchpoint_id is None


def test_scan_to_buy_credits_the_tags_store_and_assistant():
    shop = make_shop()
    home = make_store("bj01")
    home_assistant = make_user(Role.ASSISTANT, home)
    member = make_member()
    binding_touch(member=member, store_id=home.pk, assistant_id=home_assistant.pk, source="test")
    tag_assistant = make_user(Role.ASSISTANT, shop.store)
    tag = make_touchpoint(
        "product_tag", store=shop.store, assistant=tag_assistant, product=shop.jacket
    )
    order = place(member, checkout(ITEMS, scene=tag.scene))
    assert order.flow == Order.Flow.SCAN_TO_BUY
    assert order.touchpoint_id == tag.pk
    assert (order.credited_store_id, order.credited_assistant_id) == (
        shop.store.pk,
        tag_assistant.pk,
    )
    assert order.credit_rule == "scan_to_buy_tag"


def test_a_tag_without_a_store_is_an_ordinary_online_order():
    shop = make_shop()
    member = make_member()
    tag = make_touchpoint("product_tag", product=shop.jacket)
    order = place(member, checkout(ITEMS, scene=tag.scene))
    assert order.flow == Order.Flow.ONLINE
    assert order.touchpoint_id is None


def test_placing_empties_the_ordered_cart_lines():
    shop = make_shop()
    member = make_member()
    from omniloop.orders.cart import cart_add

    cart_add(member_id=member.pk, sku_code="JK100-M", quantity=1)
    cart_add(member_id=member.pk, sku_code="TS200-L", quantity=1)
    place(member, checkout([("JK100-M", 1)]))
    assert list(CartLine.objects.filter(member=member).values_list("sku__sku_code", flat=True)) == [
        "TS200-L"
    ]
    assert shop.store  # the shop exists


def test_web_mall_orders_record_the_web_channel_and_its_offers():
    make_shop()
    member = make_member()
    wechat_code = mall_channel(mall=Mall.WECHAT).code
    live_offer(
        name="微商城专享 9折",
        kind="percent_off",
        params={"pay_percent": 90},
        channels=[wechat_code],
    )
    wechat = place(member, checkout(ITEMS, mall=Mall.WECHAT))
    web = place(member, checkout(ITEMS, mall=Mall.WEB))
    assert (wechat.channel.kind, web.channel.kind) == ("wechat_mall", "web_mall")
    assert web.discount_total == 0
    assert wechat.discount_total > 0
    assert (
        web.total == _independent(member, shipping=web.shipping_fee, channel=web.channel.code).total
    )
