"""The foundation's end-to-end story in headless Chromium: a shopper scans an assistant's card,
looks at a product, joins with phone and one-time code and sees the member code; the store
manager then finds the member attributed to that assistant. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from omniloop.accounts.models import Role
from omniloop.catalog.models import OutfitLink
from omniloop.members.models import Member
from omniloop.touchpoints.models import Touchpoint
from tests.browser.conftest import staff_login
from tests.factories import (
    make_member,
    make_product,
    make_store,
    make_touchpoint,
    make_user,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_scan_view_product_join_then_manager_sees_attribution(
    live_server, chromium, shoot, sms_outbox
):
    store = make_store("sh01", name="上海南京西路店", name_en="Nanjing Road West")
    other_store = make_store("bj01", name="北京三里屯店", name_en="Sanlitun")
    assistant = make_user(Role.ASSISTANT, store)
    assistant.display_name = "李娜 Lina"
    assistant.save(update_fields=["display_name"])
    manager = make_user(Role.STORE_MANAGER, store, username="sh01-manager")
    other_manager = make_user(Role.STORE_MANAGER, other_store, username="bj01-manager")
    jacket = make_product("JK100", price="1299.00", sizes=("S", "M", "L"))
    trousers = make_product("TR200", price="599.00")
    OutfitLink.objects.create(product=jacket, item=trousers, position=0)
    card = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    make_member("13700137000")  # someone else, to make the list a list

    shopper = chromium.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, locale="zh-CN"
    )
    page = shopper.new_page()
    # 1. Scan the assistant's QR code.
    page.goto(f"{live_server.url}/s/{card.scene}")
    assert page.inner_text("[data-testid=assistant-name]") == "李娜 Lina"
    shoot(page, "01-scan-assistant-card")
    # 2. View the product (the shopper browses from the store page to a product).
    page.goto(f"{live_server.url}/m/p/JK100")
    assert "1,299.00" in page.inner_text("[data-testid=price]") or "1299.00" in page.inner_text(
        "[data-testid=price]"
    )
    assert "M" in page.inner_text("[data-testid=sizes]")
    assert "TR200" in page.content() or trousers.name in page.content()
    shoot(page, "02-product")
    # 3. Join with phone and one-time code.
    page.goto(f"{live_server.url}/m/join")
    page.fill("[data-testid=phone]", "13812345678")
    page.click("[data-testid=send-code]")
    page.wait_for_selector("[data-testid=otp-status].is-ok")
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].text).group(1)
    page.fill("[data-testid=code]", code)
    page.check("[data-testid=consent-sms]")
    page.check("[data-testid=terms]")
    shoot(page, "03-join-form")
    page.click("[data-testid=join-submit]")
    page.wait_for_url(f"{live_server.url}/m/card")
    # 4. The member code is on the card.
    member = Member.objects.get(identities__masked="138****5678")
    assert page.inner_text("[data-testid=member-code]") == member.code
    assert page.locator("[data-testid=member-qr] svg").count() == 1
    shoot(page, "04-member-card")
    shopper.close()

    # 5. The store manager finds the member attributed to the assistant.
    staff = chromium.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = staff.new_page()
    staff_login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/dashboard/members/")
    table = page.inner_text("[data-testid=members-table]")
    assert member.code in table and "138****5678" in table
    assert "13812345678" not in page.content()
    shoot(page, "05-manager-members")
    page.click(f"text={member.code}")
    page.wait_for_url(f"{live_server.url}/dashboard/members/{member.pk}/")
    assert page.inner_text("[data-testid=bound-assistant]") == "李娜 Lina"
    assert "上海南京西路店" in page.inner_text("[data-testid=bound-store]")
    history = page.inner_text("[data-testid=binding-history]")
    assert "李娜 Lina" in history
    assert "13812345678" not in page.content()
    shoot(page, "06-manager-member-profile")
    staff.close()

    # 6. Another store's manager cannot see the member at all.
    outsider = chromium.new_context(viewport={"width": 1280, "height": 800})
    page = outsider.new_page()
    staff_login(page, live_server.url, other_manager.username)
    response = page.goto(f"{live_server.url}/dashboard/members/{member.pk}/")
    assert response is not None and response.status == 404
    page.goto(f"{live_server.url}/dashboard/members/")
    assert member.code not in page.content()
    outsider.close()
    assert member.binding.assistant == assistant
    assert jacket.list_price == Decimal("1299.00")
