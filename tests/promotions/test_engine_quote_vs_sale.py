"""Property: the DB-backed quote is the sale. For random baskets, members and coupons over one
set of live offers, a till sale of the quoted basket commits exactly the quoted figures, and it
is refused exactly when the quote says a presented coupon would not apply."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from omniloop.core.errors import ValidationFailed
from omniloop.orders.models import Order
from omniloop.orders.services import till_quote, till_sale_record
from omniloop.orders.values import SaleLineInput, TillSaleInput
from omniloop.promotions.models import Redemption
from omniloop.promotions.money import to_yuan
from tests.factories import make_member, make_product, make_store
from tests.promotions.pricing_helpers import coupon_offer, issued_coupon, live_offer, tiered

pytestmark = pytest.mark.django_db

SKUS = ["JK100-S", "JK100-M", "TS200-M", "TS200-L", "SC300-M", "GIFT1-M"]


@pytest.fixture
def world():
    store = make_store("sh01")
    jacket = make_product("JK100", price="399.00")
    tee = make_product("TS200", price="99.50")
    make_product("SC300", price="1280.00", sizes=("M",))
    gift = make_product("GIFT1", price="59.00", sizes=("M",))
    live_offer(
        name="满300减50", kind="threshold", params={"tiers": [[30000, 5000], [80000, 12000]]}
    )
    live_offer(
        name="每满200减20",
        kind="threshold",
        params={"repeat_every": 20000, "repeat_off": 2000, "cap": 10000},
        stacking_group="threshold",
    )
    live_offer(
        name="jacket buy 2 get 1",
        kind="buy_x_get_y",
        params={"buy": 2, "get": 1, "get_pay_percent": 0},
        all_products=False,
        products=[jacket.pk],
        priority=50,
    )
    live_offer(
        name="tee ¥79",
        kind="fixed_price",
        params={"price": 7900},
        all_products=False,
        products=[tee.pk],
        priority=10,
    )
    live_offer(
        name="gold 95折",
        kind="member_extra",
        params={"pay_percent_by_tier": {"gold": 95}},
        compound=True,
        priority=300,
    )
    live_offer(
        name="gift over ¥800",
        kind="gift",
        params={"min_spend": 80000, "gift_sku_id": gift.skus.get().pk, "quantity": 1},
    )
    live_offer(
        name="7折 exclusive",
        kind="percent_off",
        params={"pay_percent": 70, "min_spend": 300000},
        exclusive=True,
    )
    coupon = coupon_offer(
        name="券 9折", kind="percent_off", params={"pay_percent": 90}, compound=True, priority=400
    )
    return {"store": store, "member": tiered(make_member(), "gold"), "coupon_offer": coupon}


sales = st.fixed_dictionaries(
    {
        "items": st.lists(
            st.tuples(st.sampled_from(SKUS), st.integers(1, 4)), min_size=1, max_size=5
        ),
        "member": st.booleans(),
        "coupon": st.booleans(),
    }
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sale=sales)
def test_a_sale_commits_exactly_what_the_quote_said(world, sale):
    member = world["member"] if sale["member"] else None
    codes = [issued_coupon(None, world["coupon_offer"]).code] if sale["coupon"] else []
    store = world["store"]
    priced = till_quote(
        store_id=store.pk,
        items=sale["items"],
        member_id=member.pk if member else None,
        coupon_codes=codes,
    )
    receipt = f"R-{Order.objects.count() + 1}"
    record = TillSaleInput(
        receipt_no=receipt,
        lines=tuple(SaleLineInput(sku=s, quantity=q) for s, q in sale["items"]),
        total=priced.total,
        member_code=member.code if member else None,
        coupon_codes=tuple(codes),
    )
    event(f"coupons used {len(priced.coupons_used)} refused {len(priced.coupons_not_applied)}")
    event(f"applied {len(priced.quote.applied)} gifts {len(priced.quote.gifts)}")
    event(f"coupon presented {sale['coupon']} problems {len(priced.coupon_problems)}")
    if priced.coupons_not_applied:
        with pytest.raises(ValidationFailed) as exc:
            till_sale_record(store=store, sale=record)
        assert exc.value.code == "coupon_not_applicable"
        assert not Order.objects.filter(receipt_no=receipt).exists()
        return
    order, _, _ = till_sale_record(store=store, sale=record)
    q = priced.quote
    assert order.total == to_yuan(q.total) >= 0
    assert order.discount_total == to_yuan(q.discount)
    lines = list(order.lines.order_by("pk"))
    assert [(ln.sku_id, ln.quantity, ln.discount, ln.amount) for ln in lines[: len(q.lines)]] == [
        (ql.sku_id, ql.quantity, to_yuan(ql.discount), to_yuan(ql.total)) for ql in q.lines
    ]
    assert [(ln.sku_id, ln.quantity, ln.amount) for ln in lines[len(q.lines) :]] == [
        (g.sku_id, g.quantity, Decimal("0")) for g in q.gifts
    ]
    assert sum(ln.amount for ln in lines) == order.total
    redeemed = Redemption.objects.filter(order=order)
    assert [(r.coupon.code, r.discount) for r in redeemed] == [
        (c.code, to_yuan(fen)) for c, fen in priced.coupons_used
    ]
