"""The Consistency page's card of our coupon codes that marketplace orders carried and we did
not honour (ADR 43): how many, by reason, in Chinese and English, filtered by channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.marketplace.services import marketplace_order_import
from omniloop.promotions.coupons import coupon_issue
from tests.dashboard.conftest import login
from tests.factories import make_member, make_product, make_user
from tests.listings.helpers import make_channel
from tests.marketplace.helpers import mp_order
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db
URL = reverse("dashboard:consistency")
PHONE = "13800138765"


@pytest.fixture
def drifted():
    make_channel("tmall", name="天猫旗舰店", name_en="Tmall flagship shop")
    make_channel("jd", name="京东旗舰店", name_en="JD flagship shop")
    make_product("JK100", price="399.00")
    member = make_member(phone=PHONE)
    coupon = coupon_issue(
        template=make_template(),
        member=member,
        source="manual",
        at=clock.now() - timedelta(days=1),
    )
    codes = (coupon.code, "NOPE0001", "NOPE0002")
    marketplace_order_import(
        data=mp_order("TM-1", channel="tmall", coupon_codes=codes, phone=PHONE)
    )
    marketplace_order_import(
        data=mp_order("TM-2", channel="tmall", coupon_codes=(coupon.code,), phone=PHONE)
    )
    return coupon


def test_the_card_counts_the_codes_not_honoured_by_reason(client, drifted):
    login(client, make_user(Role.MARKETER))
    html = client.get(URL).content.decode()
    assert "平台订单未予核销的优惠券码" in html
    assert "3 个券码随订单导入但未予核销" in html
    assert (
        '<li data-testid="coupon-drift-coupon_unknown"><span>未知券码</span> <strong>2</strong>'
        in html
    )
    assert (
        '<li data-testid="coupon-drift-coupon_already_redeemed"><span>已使用</span>'
        " <strong>1</strong>" in html
    )
    assert "NOPE0001" in html and "订单导入时" in html
    assert drifted.code in html  # TM-2's code, used by TM-1
    jd = client.get(URL, {"channel": "jd"}).content.decode()
    assert 'data-testid="coupon-drift"' not in jd


def test_the_card_in_english(client, drifted):
    login(client, make_user(Role.MARKETER))
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert "Coupon codes not honoured on marketplace orders" in html
    assert "3 codes were imported with their orders but not honoured" in html
    assert "<span>Unknown code</span> <strong>2</strong>" in html
    assert "<span>Already used</span> <strong>1</strong>" in html
