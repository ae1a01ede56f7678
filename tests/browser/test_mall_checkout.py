"""The mall end to end in headless Chromium: browse and search, add to the cart, join at
checkout, ship to home with a coupon from the wallet, pay on the test provider's page, and see
the order paid with its history. At a phone's width in the WeChat mall (/m/) and at a desktop
width in the web mall (/shop/); screenshots go to test-artifacts/browser/."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.orders.online import mall_channel
from omniloop.orders.online_values import Mall
from omniloop.promotions.coupons import coupon_issue, coupon_template_create
from omniloop.promotions.pricing import quote
from tests.factories import make_member, make_store
from tests.promotions.pricing_helpers import coupon_offer, live_offer, make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = "13812345678"


def _yuan(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


def _coupon_for(member: Member) -> str:
    offer = coupon_offer(
        name="满300减50券", kind="amount_off", params={"amount": 5000, "min_spend": 30000}
    )
    template = coupon_template_create(offer=offer, name="满300减50券", valid_days=30)
    return coupon_issue(template=template, member=member, source="manual").code


def _walk(page, base: str, prefix: str, shoot, tag: str, sms_outbox, join: bool) -> Order:
    page.goto(f"{base}{prefix}/browse?q=JK")
    assert page.locator("[data-testid=tile]").count() == 1
    shoot(page, f"mall-{tag}-1-search")
    page.click("[data-testid=tile]")
    page.select_option("[data-testid=sku]", "JK100-M")
    page.click("[data-testid=add]")
    page.wait_for_url(f"{base}{prefix}/cart")
    expected = quote(
        items=[("JK100-M", 1)],
        channel_code=mall_channel(mall=Mall.WEB if prefix == "/shop" else Mall.WECHAT).code,
        store_id=None,
        member_id=None,
        coupon_codes=[],
        shipping=Decimal("10.00"),
    )
    assert _yuan(page.inner_text("[data-testid=total]")) == expected.total
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"mall-{tag}-2-cart")
    page.click("[data-testid=to-checkout]")
    if join:
        page.wait_for_url(f"{base}{prefix}/join")
        page.fill("[data-testid=phone]", PHONE)
        page.click("[data-testid=send-code]")
        page.wait_for_selector("[data-testid=otp-status].is-ok")
        code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
        page.fill("[data-testid=code]", code)
        page.check("[data-testid=terms]")
        page.click("[data-testid=join-submit]")
    page.wait_for_url(f"{base}{prefix}/checkout")
    member = Member.objects.get()
    code = _coupon_for(member)
    page.reload()
    page.fill("[data-testid=recipient]", "王小明")
    page.fill("#phone", "13800138000")
    page.fill("[data-testid=region]", "上海市 静安区")
    page.fill("[data-testid=line]", "南京西路 1266 号")
    page.check(f"[data-testid=coupon-{code}]")
    page.click("[data-testid=update]")
    page.wait_for_selector("[data-testid=applied]")
    total = _yuan(page.inner_text("[data-testid=total]"))
    assert total == expected.total - Decimal("50.00")
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"mall-{tag}-3-checkout")
    page.click("[data-testid=place]")
    page.wait_for_selector("[data-testid=pay-box]")
    assert _yuan(page.inner_text("[data-testid=pay-amount]")) == total
    shoot(page, f"mall-{tag}-4-pay")
    page.click("[data-testid=pay-ok]")
    page.wait_for_selector("[data-testid=order-number]")
    order = Order.objects.get(number=page.inner_text("[data-testid=order-number]"))
    assert order.status == Order.Status.PAID
    assert order.total == total
    assert page.locator("[data-testid=history] li").count() == 2
    assert page.evaluate(OVERFLOW) <= 0
    shoot(page, f"mall-{tag}-5-order")
    return order


@pytest.fixture
def shop():
    shop = make_shop()
    make_store("bj01", name="北京三里屯店", name_en="Sanlitun")
    live_offer(name="包邮 满500", kind="free_shipping", params={"min_spend": 50000})
    return shop


def test_phone_width_wechat_mall(live_server, chromium, shoot, sms_outbox, shop):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    order = _walk(context.new_page(), live_server.url, "/m", shoot, "390", sms_outbox, join=True)
    assert order.channel.kind == "wechat_mall"
    assert order.flow == Order.Flow.ONLINE


def test_desktop_web_mall(live_server, chromium, shoot, sms_outbox, shop):
    make_member(PHONE)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server.url}/shop/")
    page.click("[data-testid=language-switch] button[value=en]")
    order = _walk(page, live_server.url, "/shop", shoot, "desktop", sms_outbox, join=True)
    assert order.channel.kind == "web_mall"
