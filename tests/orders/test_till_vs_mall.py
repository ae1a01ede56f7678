"""The till and the mall price one basket alike: with channel-neutral offers, a till quote, a
committed till sale and an H5 checkout of the same basket for the same member agree."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.orders.online_values import FulfilmentChoice
from omniloop.orders.services import till_quote, till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from tests.factories import make_member
from tests.orders.online_helpers import checkout, place
from tests.orders.pickup_helpers import stock_all
from tests.promotions.pricing_helpers import live_offer, make_shop, site_offers, tiered

pytestmark = pytest.mark.django_db

BASKETS = [
    [("TS200-S", 1)],  # under every threshold
    [("JK100-M", 1)],  # 满300减50
    [("JK100-M", 1), ("TS200-S", 2)],  # 598: still the first tier
    [("JK100-M", 2), ("TS200-L", 1)],  # 897.50: 满500减100
]


@pytest.mark.parametrize("items", BASKETS)
@pytest.mark.parametrize("tier", ["standard", "gold"])
def test_till_and_h5_checkout_give_identical_totals(items, tier):
    shop = make_shop()
    site_offers()
    live_offer(
        name="全场95折", kind="percent_off", params={"pay_percent": 95}, priority=300, compound=True
    )
    member = tiered(make_member(), tier)
    stock_all(shop.store)
    at_till = till_quote(
        store_id=shop.store.pk,
        items=items,
        member_id=member.pk,
        coupon_codes=[],
        tier=member.tier,
    )
    order = place(
        member,
        checkout(items, fulfilment=FulfilmentChoice.PICKUP, pickup_store=shop.store.code),
    )
    assert order.shipping_fee == 0
    assert order.total == at_till.total
    assert order.discount_total == at_till.discount_total
    h5_lines = sorted((ln.sku.sku_code, ln.amount) for ln in order.lines.all())
    till_lines = sorted(
        (code, at_till.yuan(q.total))
        for code, q in zip(at_till.basket.sku_codes, at_till.quote.lines, strict=True)
    )
    assert h5_lines == till_lines
    sale, _, _ = till_sale_record(
        store=shop.store,
        sale=TillSaleInput(
            receipt_no=f"R-{order.number}",
            lines=tuple(SaleLineInput(sku=code, quantity=q) for code, q in items),
            total=at_till.total,
            member_code=member.code,
        ),
    )
    assert sale.total == order.total
    # The independent reference: list prices minus what the quote says it took off.
    listed = sum((Decimal(ln.unit_price) * ln.quantity for ln in order.lines.all()), Decimal("0"))
    assert listed - order.discount_total == order.total
