"""Buy online, pick up in store, end to end at a phone's width: the member sees which stores
have the jacket, chooses one at checkout, pays part with points and the rest on the provider;
the store sees it on the dashboard's Pickups page and marks it ready (the member is told by
SMS); the till API refuses a wrong code and hands it over with the right one, once; the
settlement credits the bound store and its assistant 70% and the pickup store 30% (ADR 19's
pickup rule). Screenshots go to test-artifacts/browser/pickup-*.png."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.accounts.services import token_create
from omniloop.attribution.services import binding_touch
from omniloop.inventory.models import StockLevel
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.orders.models import Order
from omniloop.settlement.models import SettlementEntry
from tests.browser.conftest import staff_login
from tests.factories import make_member, make_store, make_user
from tests.orders.pickup_helpers import stock
from tests.promotions.pricing_helpers import make_shop

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
PHONE = "13812345678"
# Starts in English and switches to Chinese at checkout, so both languages are walked.
PHONE_VIEW = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "locale": "en-US"}


def _yuan(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d.]", "", text))


@pytest.fixture
def world():
    shop = make_shop()  # sh01: the member's bound store, none of the jacket in stock
    pickup = make_store("sh02", name="上海静安店", name_en="Jing'an")
    stock(pickup, "JK100-M", 3)
    bound_assistant = make_user(Role.ASSISTANT, shop.store)
    member = make_member(PHONE)
    points_earn(member=member, points=20_000, reference="seed")  # ¥200 of points
    binding_touch(
        member=member, store_id=shop.store.pk, assistant_id=bound_assistant.pk, source="scan"
    )
    manager = make_user(Role.STORE_MANAGER, pickup, username="jingan-manager")
    till = token_create(name="sh02 till 1", store=pickup).secret
    return shop.store, pickup, member, bound_assistant, manager, till


def _login(page, base: str, sms_outbox) -> None:
    page.wait_for_url(f"{base}/m/join")
    page.fill("[data-testid=phone]", PHONE)
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=otp-status].is-ok")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.fill("[data-testid=code]", code)
    page.check("[data-testid=terms]")
    page.click("[data-testid=join-submit]")


def test_buy_online_pick_up_in_store_at_phone_width(
    live_server, chromium, shoot, sms_outbox, world
):
    bound, pickup, member, assistant, manager, till = world
    base = live_server.url
    shopper = chromium.new_context(**PHONE_VIEW).new_page()

    # 1. The member puts the jacket in the cart and checks out, choosing pick-up.
    shopper.goto(f"{base}/m/browse?q=JK")
    shopper.click("[data-testid=tile]")
    shopper.select_option("[data-testid=sku]", "JK100-M")
    shopper.click("[data-testid=add]")
    shopper.wait_for_url(f"{base}/m/cart")
    shopper.click("[data-testid=to-checkout]")
    _login(shopper, base, sms_outbox)
    shopper.wait_for_url(f"{base}/m/checkout")
    shopper.check("[data-testid=fulfilment-pickup]")
    shopper.click("[data-testid=update]")
    shopper.wait_for_selector("[data-testid=store-picker]")
    # Availability per store: the bound store has none, the Jing'an store has it.
    assert shopper.is_disabled("[data-testid=store-sh01]")
    assert shopper.is_enabled("[data-testid=store-sh02]")
    assert shopper.locator("label:has([data-testid=store-sh01]) .problem").count() == 1
    assert shopper.locator("label:has([data-testid=store-sh02]) .problem").count() == 0
    assert shopper.evaluate(OVERFLOW) <= 0
    shoot(shopper, "pickup-390-1-store-picker")
    shopper.check("[data-testid=store-sh02]")
    shopper.click("[data-testid=update]")
    shopper.wait_for_selector("[data-testid=store-sh02]:checked")
    total = _yuan(shopper.inner_text("[data-testid=total]"))
    assert total == Decimal("399.00")  # no shipping for a pick-up
    # Points pay part: at most half of ¥399 (19950 points); 10000 points are ¥100.
    assert "19950" in shopper.inner_text("[data-testid=points]")
    shopper.fill("[data-testid=points-input]", "10000")
    shopper.click("[data-testid=update]")
    shopper.wait_for_selector("[data-testid=to-pay]")
    assert _yuan(shopper.inner_text("[data-testid=to-pay]")) == Decimal("299.00")
    assert shopper.evaluate(OVERFLOW) <= 0
    shoot(shopper, "pickup-390-2-checkout")
    # The same page in Chinese (the shopper's switch; the form is entered again).
    shopper.click("[data-testid=language-switch] button[value=zh-hans]")
    shopper.wait_for_selector("html[lang=zh-hans]")
    shopper.check("[data-testid=fulfilment-pickup]")
    shopper.click("[data-testid=update]")
    shopper.check("[data-testid=store-sh02]")
    shopper.fill("[data-testid=points-input]", "10000")
    shopper.click("[data-testid=update]")
    shopper.wait_for_selector("[data-testid=to-pay]")
    assert "积分抵扣" in shopper.inner_text("[data-testid=points]")
    assert "还需支付" in shopper.inner_text("[data-testid=points-sums]")
    shoot(shopper, "pickup-390-2b-checkout-zh")
    shopper.click("[data-testid=place]")
    shopper.wait_for_selector("[data-testid=pay-box]")
    assert _yuan(shopper.inner_text("[data-testid=pay-amount]")) == Decimal("299.00")
    shopper.click("[data-testid=pay-ok]")
    shopper.wait_for_selector("[data-testid=pickup-code]")
    number = shopper.inner_text("[data-testid=order-number]")
    code = shopper.inner_text("[data-testid=pickup-code]").strip()
    order = Order.objects.get(number=number)
    assert (order.status, order.flow, order.store_id) == ("paid", "pickup", pickup.pk)
    assert (order.points_redeemed, order.points_value) == (10_000, Decimal("100.00"))
    assert points_balance(member_id=member.pk) == 10_000 + 299  # earned on the money part
    level = StockLevel.objects.get(store=pickup, sku__sku_code="JK100-M")
    assert (level.on_hand, level.reserved) == (3, 1)  # held at the pickup store
    assert shopper.evaluate(OVERFLOW) <= 0
    shoot(shopper, "pickup-390-3-paid-with-code")

    # 2. The store's manager sees it on the Pickups page and marks it ready.
    staff = chromium.new_context(**PHONE_VIEW).new_page()
    staff_login(staff, base, manager.username)
    staff.goto(f"{base}/dashboard/pickups/")
    row = staff.locator(f"[data-testid=pickup-{number}]")
    assert row.count() == 1 and "JK100-M" in row.inner_text()
    # One card per order on a phone: the button is on screen, nothing scrolls sideways.
    box = row.locator("[data-testid=mark-ready]").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390
    assert staff.evaluate(OVERFLOW) <= 0
    shoot(staff, "pickup-390-4-queue")
    before = len(sms_outbox)
    row.locator("[data-testid=mark-ready]").click()
    staff.wait_for_selector(f"[data-testid=pickup-{number}] .badge-ok")
    shoot(staff, "pickup-390-5-ready")
    assert len(sms_outbox) == before + 1 and number in sms_outbox[-1].text  # the notice
    shopper.reload()
    assert order.number in shopper.inner_text("[data-testid=order-number]")
    order.refresh_from_db()
    assert order.status == Order.Status.READY

    # 3. At the till: a wrong code is refused, the right one hands it over, only once.
    api = shopper.context.request
    auth = {"Authorization": f"Bearer {till}", "Content-Type": "application/json"}
    url = f"{base}/api/v1/pos/pickups/collect"
    wrong = "000000" if code != "000000" else "111111"
    r = api.post(url, headers=auth, data={"order_number": number, "code": wrong})
    assert r.status == 422 and r.json()["error"]["code"] == "pickup_code_invalid"
    r = api.post(url, headers=auth, data={"order_number": number, "code": code})
    assert r.status == 200 and r.json()["status"] == "completed"
    r = api.post(url, headers=auth, data={"order_number": number, "code": code})
    assert r.status == 409 and r.json()["error"]["code"] == "pickup_already_collected"
    level.refresh_from_db()
    assert (level.on_hand, level.reserved) == (2, 0)
    shopper.reload()
    assert shopper.locator("[data-testid=pickup-code]").count() == 0  # collected: no code
    assert shopper.locator("[data-testid=history] li").count() == 4
    shoot(shopper, "pickup-390-6-collected")

    # 4. Settlement: 70% to the bound store and its assistant, 30% to the pickup store.
    split = sorted(
        SettlementEntry.objects.filter(order=order).values_list(
            "store__code", "assistant_id", "amount"
        )
    )
    assert split == [
        ("sh01", assistant.pk, Decimal("279.30")),
        ("sh02", None, Decimal("119.70")),
    ]
    assert member.pk == order.member_id and bound.pk == order.credited_store_id
