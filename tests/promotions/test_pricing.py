"""The quote service over the database: catalog prices, the offer index, coupons, member tiers
and store-local time windows; and that a quote has no effects."""

from __future__ import annotations

from datetime import UTC, datetime, time
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from omniloop.catalog.models import Category, Product
from omniloop.core.errors import ValidationFailed
from omniloop.core.models import BrandSettings
from omniloop.promotions import offer_index
from omniloop.promotions.models import Offer
from omniloop.promotions.offers import offer_end, offer_pause, offer_update
from omniloop.promotions.pricing import basket_from_items, quote
from omniloop.promotions.selectors import offer_candidates
from omniloop.promotions.values import Reason
from omniloop.stores.models import SalesChannel
from omniloop.stores.selectors import channel_for_store_till
from tests.factories import make_member, make_product, make_store
from tests.promotions.pricing_helpers import (
    issued_coupon,
    live_offer,
    make_shop,
    no_writes,
    shared_code,
    tiered,
    till_quote,
)

pytestmark = pytest.mark.django_db

SATURDAY_0200_UTC = datetime(2026, 5, 16, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def shop():
    return make_shop()


# basket ----------------------------------------------------------------------------------------


def test_basket_prices_come_from_the_catalog_by_code_or_barcode(shop):
    barcode = shop.tee.skus.get(size="M").barcode
    lines = basket_from_items(items=[("JK100-M", 2), (barcode, 1)])
    assert [(ln.unit_price, ln.quantity) for ln in lines] == [(39900, 2), (9950, 1)]
    assert lines[0].product_id == shop.jacket.pk
    assert lines[0].category_ids == frozenset({shop.jacket.category_id})


def test_unknown_skus_are_listed_together(shop):
    with pytest.raises(ValidationFailed) as exc:
        basket_from_items(items=[("NOPE", 1), ("JK100-M", 1), ("ALSO-NOPE", 2)])
    assert exc.value.code == "sku_unknown"
    assert exc.value.extra == {"unknown": ["ALSO-NOPE", "NOPE"]}


@pytest.mark.parametrize("qty", [0, -1])
def test_quantities_are_positive(shop, qty):
    with pytest.raises(ValidationFailed) as exc:
        basket_from_items(items=[("JK100-M", qty)])
    assert exc.value.code == "quantity_invalid"


def test_a_category_offer_covers_its_subcategories(shop):
    tops = Category.objects.get(code="tops")
    shirts = Category.objects.create(code="shirts", name="衬衫", name_en="Shirts", parent=tops)
    Product.objects.filter(pk=shop.tee.pk).update(category=shirts)
    live_offer(
        name="tops 9折",
        kind="percent_off",
        params={"pay_percent": 90},
        all_products=False,
        categories=[tops.pk],
    )
    q = till_quote(shop, [("TS200-M", 1)])
    assert q.quote.discount == 995


# the offer index -------------------------------------------------------------------------------


def test_the_index_finds_only_offers_in_scope_channel_and_store(shop):
    other = make_store("bj01")
    SalesChannel.objects.create(code="wx-mall", name="小程序", kind=SalesChannel.Kind.WECHAT_MALL)
    jacket_only = live_offer(
        name="jacket",
        kind="amount_off",
        params={"amount": 1000},
        all_products=False,
        products=[shop.jacket.pk],
    )
    tops = live_offer(
        name="tops",
        kind="amount_off",
        params={"amount": 500},
        all_products=False,
        categories=[shop.jacket.category_id],
    )
    sitewide = live_offer(name="all", kind="percent_off", params={"pay_percent": 95})
    live_offer(name="mall only", kind="amount_off", params={"amount": 100}, channels=["wx-mall"])
    live_offer(name="bj only", kind="amount_off", params={"amount": 100}, stores=[other.pk])
    live_offer(name="coupon", kind="amount_off", params={"amount": 100}, coupon_only=True)
    live_offer(
        name="tee",
        kind="amount_off",
        params={"amount": 100},
        all_products=False,
        products=[shop.tee.pk],
    )
    lines = basket_from_items(items=[("JK100-M", 1)])
    found = offer_candidates(lines=lines, channel="store-till", store_id=shop.store.pk)
    assert {c.rule.id for c in found} == {jacket_only.pk, tops.pk, sitewide.pk}
    assert all(c.coupon_id is None for c in found)


def test_the_index_is_rebuilt_when_offers_change(shop):
    offer = live_offer(name="¥10", kind="amount_off", params={"amount": 1000})
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 1000
    offer_update(offer_id=offer.pk, actor_label="t", params={"amount": 2000})
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 2000
    offer_pause(offer_id=offer.pk)
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 0
    second = live_offer(name="¥5", kind="amount_off", params={"amount": 500})
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 500
    offer_end(offer_id=second.pk)
    assert till_quote(shop, [("JK100-M", 1)]).quote.discount == 0


def test_changes_made_by_another_process_are_seen_through_the_fingerprint(shop):
    """Another worker's edits fire no signal here: the per-quote fingerprint catches them."""
    offer = live_offer(
        name="jacket",
        kind="amount_off",
        params={"amount": 1000},
        all_products=False,
        products=[shop.jacket.pk],
    )
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 0
    generation = offer_index._generation
    through = Offer.products.through
    through.objects.bulk_create([through(offer_id=offer.pk, product_id=shop.tee.pk)])
    assert offer_index._generation == generation  # no signal for bulk_create
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 1000
    Offer.objects.filter(pk=offer.pk).update(params={"amount": 300}, updated_at=datetime.now(UTC))
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 300


def test_a_warm_quote_does_not_load_offers(shop):
    for i in range(30):
        live_offer(name=f"o{i}", kind="amount_off", params={"amount": 100 + i})
    till_quote(shop, [("JK100-M", 1)])  # builds the index
    with CaptureQueriesContext(connection) as ctx:
        q = till_quote(shop, [("JK100-M", 1)])
    assert len(q.candidates) == 30
    offer_reads = [c["sql"] for c in ctx.captured_queries if "promotions_offer" in c["sql"]]
    assert len(offer_reads) == 1, offer_reads  # the fingerprint, not the offers
    # the fingerprint (inside a transaction, on every quote), SKUs, the store's time zone
    assert len(ctx.captured_queries) == 3, [c["sql"] for c in ctx.captured_queries]


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_fingerprint_is_read_at_most_once_a_second(monkeypatch):
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    live_offer(name="¥10", kind="amount_off", params={"amount": 1000})

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as ctx:
            q = quote(
                items=[("JK100-M", 1)],
                channel_code="store-till",
                store_id=store.pk,
                member_id=None,
                coupon_codes=[],
            )
        assert q.quote.discount == 1000
        return [c["sql"] for c in ctx.captured_queries]

    try:
        queries()
        assert not any("promotions_offer" in sql for sql in queries())
        monkeypatch.setattr(offer_index, "CHECK_EVERY", 0.0)
        assert any("promotions_offer" in sql for sql in queries())
    finally:
        offer_index.invalidate()  # the flush after this test sends no signal


# time, tier, coupons ---------------------------------------------------------------------------


def test_windows_are_in_the_store_local_time(shop):
    live_offer(
        name="weekend mornings",
        kind="amount_off",
        params={"amount": 1000},
        weekdays=[5, 6],
        daily_start=time(9),
        daily_end=time(12),
    )
    london = make_store("ldn01", timezone="Europe/London")
    assert till_quote(shop, [("JK100-M", 1)], at=SATURDAY_0200_UTC).quote.discount == 1000
    q = till_quote(shop, [("JK100-M", 1)], at=SATURDAY_0200_UTC, store=london)
    assert q.quote.discount == 0
    assert [r.reason for r in q.quote.rejected] == [Reason.OUTSIDE_HOURS]


def test_online_quotes_use_the_brand_time_zone(shop):
    live_offer(
        name="mornings",
        kind="amount_off",
        params={"amount": 1000},
        daily_start=time(9),
        daily_end=time(12),
    )

    def online() -> int:
        return quote(
            items=[("JK100-M", 1)],
            channel_code="wechat-mall",
            store_id=None,
            member_id=None,
            coupon_codes=[],
            at=SATURDAY_0200_UTC,
        ).quote.discount

    assert online() == 1000  # no brand row yet: the site's zone (Asia/Shanghai)
    BrandSettings.objects.update_or_create(pk=1, defaults={"timezone": "UTC"})
    assert online() == 0


def test_member_tier_prices(shop):
    live_offer(name="gold 9折", kind="member_price", params={"pay_percent_by_tier": {"gold": 90}})
    gold = tiered(make_member(), "gold")
    silver = tiered(make_member(), "silver")
    assert till_quote(shop, [("JK100-M", 1)], member=gold).quote.discount == 3990
    q = till_quote(shop, [("JK100-M", 1)], member=silver)
    assert q.quote.discount == 0
    assert q.quote.rejected[0].reason == Reason.TIER_NOT_ELIGIBLE


def test_presented_coupons_apply_with_their_code_and_problems_are_reported(shop):
    member = make_member()
    coupon = issued_coupon(member)
    shared_code("SPRING20")
    q = till_quote(
        shop, [("JK100-M", 1)], member=member, codes=[coupon.code.lower(), "SPRING20", "NOPE1234"]
    )
    assert [(priced_code(q, a), a.amount) for a in q.quote.applied] == [
        (coupon.code, 5000),
        ("SPRING20", 2000),
    ]
    assert [(p.code, p.reason) for p in q.coupon_problems] == [("NOPE1234", "coupon_unknown")]
    assert [(c.code, fen) for c, fen in q.coupons_used] == [(coupon.code, 5000), ("SPRING20", 2000)]
    assert q.total == Decimal("329.00")


def priced_code(q, adjustment):
    return q.coupon_code(adjustment)


def test_a_coupon_that_does_not_apply_is_reported_with_the_engine_reason(shop):
    member = make_member()
    coupon = issued_coupon(member)  # min spend ¥300
    q = till_quote(shop, [("TS200-M", 1)], member=member, codes=[coupon.code])
    assert q.coupons_used == []
    assert q.coupons_not_applied == [(coupon.code, "offer_threshold_not_met")]


def test_a_quote_writes_nothing(shop):
    member = tiered(make_member(), "gold")
    coupon = issued_coupon(member)
    live_offer(name="9折", kind="percent_off", params={"pay_percent": 90})
    channel_for_store_till()
    with no_writes():
        q = till_quote(
            shop,
            [("JK100-M", 1), ("TS200-S", 3)],
            member=member,
            codes=[coupon.code],
            client_key="token:1",
        )
    assert q.quote.applied and q.coupon_problems == ()


def test_till_and_online_quotes_agree_on_channel_agnostic_offers(shop):
    live_offer(name="满300减50", kind="threshold", params={"tiers": [[30000, 5000]]})
    live_offer(name="9折", kind="percent_off", params={"pay_percent": 90}, compound=True)
    items = [("JK100-M", 1), ("TS200-L", 2)]
    till = till_quote(shop, items)
    online = quote(
        items=items, channel_code="wechat-mall", store_id=None, member_id=None, coupon_codes=[]
    )
    assert till.quote.total == online.quote.total
    assert till.quote.lines == online.quote.lines


def test_the_till_quote_prices_in_the_till_sales_channel(shop):
    from omniloop.orders.services import TILL_CHANNEL_CODE

    assert channel_for_store_till().code == TILL_CHANNEL_CODE
