"""Marketplace orders: priced by the one engine, recorded in the one order model, credited by
the binding rules, members matched (never recreated), idempotent by shop and platform id."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from omniloop.attribution.services import binding_touch
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.loyalty.selectors import points_balance
from omniloop.marketplace.models import MarketplaceOrder
from omniloop.marketplace.services import marketplace_order_import, marketplace_order_status
from omniloop.marketplace.values import PlatformStatus
from omniloop.members.models import Member
from omniloop.members.privacy import member_erase
from omniloop.orders.models import Order, OrderStatusChange, Payment
from omniloop.orders.online import checkout_quote
from omniloop.orders.online_values import Mall
from omniloop.promotions.pricing import quote
from omniloop.settlement.models import SettlementEntry
from tests.factories import make_member, make_store, make_user
from tests.marketplace.helpers import mp_order, tmall
from tests.promotions.pricing_helpers import live_offer, make_shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    shop = make_shop()
    tmall()
    return shop


def _history(order: Order) -> list[tuple[str, str]]:
    return list(
        OrderStatusChange.objects.filter(order=order)
        .order_by("pk")
        .values_list("from_status", "to_status")
    )


def test_an_order_without_figures_is_priced_by_the_engine_as_the_cart_is(shop):
    live_offer(name="满300减50", kind="threshold", params={"tiers": [[30000, 5000]]}, priority=50)
    result = marketplace_order_import(data=mp_order(lines=(("JK100-M", 1, None),)))
    order = Order.objects.get(number=result.order_number)
    ours = quote(
        items=[("JK100-M", 1)],
        channel_code="tmall-flagship",
        store_id=None,
        member_id=None,
        coupon_codes=[],
    )
    assert order.total == ours.total == Decimal("349.00")
    assert result.engine_total == Decimal("349.00")
    assert result.drift == ()
    # The same engine the web mall uses: an offer for every channel prices both the same.
    assert (
        checkout_quote(items=[("JK100-M", 1)], mall=Mall.WEB, member=None, coupon_codes=[])
        .quote.lines[0]
        .total
        == ours.quote.lines[0].total
    )
    assert order.flow == Order.Flow.MARKETPLACE
    assert order.channel.code == "tmall-flagship"
    assert order.receipt_no == "TM-1001"
    assert order.status == Order.Status.PAID
    assert _history(order) == [("", "pending"), ("pending", "paid")]
    line = order.lines.get()
    assert (line.unit_price, line.discount, line.amount) == (
        Decimal("399.00"),
        Decimal("50.00"),
        Decimal("349.00"),
    )
    payment = Payment.objects.get(order=order)
    assert (payment.provider, payment.amount, payment.status) == (
        "tmall-flagship",
        Decimal("349.00"),
        Payment.Status.SUCCEEDED,
    )


def test_platform_figures_are_recorded_and_their_drift_flagged(shop):
    data = mp_order(
        lines=(("JK100-M", 1, "359.00"), ("TS200-S", 2, "199.00")),
        total="568.00",
        shipping=Decimal("10.00"),
    )
    result = marketplace_order_import(data=data)
    order = Order.objects.get(number=result.order_number)
    assert order.total == Decimal("568.00")  # what the buyer paid
    assert result.engine_total == Decimal("608.00")  # 399 + 2 x 99.50 + 10 shipping
    assert result.drift == (
        {"field": "amount", "line": 0, "sku": "JK100-M", "marketplace": "359.00", "ours": "399.00"},
        {"field": "total", "line": None, "sku": "", "marketplace": "568.00", "ours": "608.00"},
    )
    mp = MarketplaceOrder.objects.get(order=order)
    assert mp.has_drift and mp.marketplace_total == Decimal("568.00")
    amounts = sorted(order.lines.values_list("amount", flat=True))
    assert amounts == [Decimal("199.00"), Decimal("359.00")]


def test_only_a_total_is_spread_over_the_lines_and_flagged(shop):
    data = mp_order(lines=(("JK100-M", 1, None), ("TS200-S", 1, None)), total="400.00")
    result = marketplace_order_import(data=data)
    order = Order.objects.get(number=result.order_number)
    assert order.total == Decimal("400.00")
    assert sum(order.lines.values_list("amount", flat=True)) == Decimal("400.00")
    assert [d["field"] for d in result.drift] == ["total"]


def test_inconsistent_platform_figures_are_refused_and_nothing_written(shop):
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_import(data=mp_order(lines=(("JK100-M", 1, "359.00"),), total="300.00"))
    assert exc.value.code == "marketplace_total_mismatch"
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_import(
            data=mp_order(lines=(("JK100-M", 1, "359.00"), ("TS200-S", 1, None)))
        )
    assert exc.value.code == "marketplace_figures_partial"
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_import(data=mp_order(channel="web-mall"))
    assert exc.value.code == "marketplace_channel_unknown"
    assert Order.objects.count() == 0 and MarketplaceOrder.objects.count() == 0


def test_a_bound_member_is_matched_by_phone_earns_points_and_credits_their_store(shop):
    store = make_store("bj01")
    assistant = make_user("assistant", store=store)
    member = make_member(phone="13800138123")
    binding_touch(
        member=member, store_id=store.pk, assistant_id=assistant.pk, source="scan", at=clock.now()
    )
    result = marketplace_order_import(
        data=mp_order(phone="13800138123", store="sh01", lines=(("JK100-M", 1, "399.00"),))
    )
    order = Order.objects.get(number=result.order_number)
    assert result.member_matched and order.member_id == member.pk
    assert (order.credited_store_id, order.credited_assistant_id) == (store.pk, assistant.pk)
    assert order.store == shop.store and order.fulfilment == Order.Fulfilment.STORE_SHIP
    assert order.points_earned == 399
    assert points_balance(member_id=member.pk) == 399
    # Settlement's marketplace rule: 100% to the credited (bound) store and assistant.
    entries = SettlementEntry.objects.filter(order=order)
    assert [(e.store_id, e.assistant_id, e.amount) for e in entries] == [
        (store.pk, assistant.pk, Decimal("399.00"))
    ]


def test_unionid_matches_and_an_unknown_buyer_stays_anonymous(shop):
    member = make_member()
    member.identities.create(kind="wechat_unionid", value="UNION-1")
    known = marketplace_order_import(data=mp_order("TM-1", unionid="UNION-1"))
    unknown = marketplace_order_import(data=mp_order("TM-2", phone="13900139000"))
    assert Order.objects.get(number=known.order_number).member_id == member.pk
    assert Order.objects.get(number=unknown.order_number).member_id is None
    assert Member.objects.count() == 1  # nobody joined by buying on Tmall


def test_an_erased_member_is_never_matched_or_recreated(shop):
    member = make_member(phone="13800138555")
    member_erase(member_id=member.pk, reason="asked")
    result = marketplace_order_import(data=mp_order(phone="13800138555"))
    order = Order.objects.get(number=result.order_number)
    assert order.member_id is None and not result.member_matched
    assert Member.objects.filter(status=Member.Status.ACTIVE).count() == 0
    assert Member.objects.count() == 1  # the tombstone only


def test_the_same_order_again_replays_and_other_content_conflicts(shop):
    at = clock.now() - timedelta(hours=1)
    first = marketplace_order_import(data=mp_order(ordered_at=at))
    again = marketplace_order_import(data=mp_order(ordered_at=at))
    assert again.replayed and again.order_number == first.order_number
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_import(data=mp_order(lines=(("JK100-M", 2, None),), ordered_at=at))
    assert exc.value.code == "marketplace_order_conflict"
    assert Order.objects.count() == 1


def test_pending_then_paid_then_partial_and_full_refund(shop):
    member = make_member(phone="13800138777")
    at = clock.now() - timedelta(hours=1)
    data = mp_order(status=PlatformStatus.PENDING, phone="13800138777", ordered_at=at)
    result = marketplace_order_import(data=data)
    order = Order.objects.get(number=result.order_number)
    assert order.status == Order.Status.PENDING and order.points_earned == 0
    # The next sync sends the same order, now paid.
    paid = marketplace_order_import(data=mp_order(phone="13800138777", ordered_at=at))
    assert paid.status == Order.Status.PAID
    assert points_balance(member_id=member.pk) == 399
    part = marketplace_order_status(
        channel_code="tmall-flagship",
        external_id="TM-1001",
        status=PlatformStatus.REFUNDED,
        amount=Decimal("99.00"),
        refund_ref="RF-1",
    )
    assert part.status == Order.Status.PAID
    again = marketplace_order_status(
        channel_code="tmall-flagship",
        external_id="TM-1001",
        status=PlatformStatus.REFUNDED,
        amount=Decimal("99.00"),
        refund_ref="RF-1",
    )
    order.refresh_from_db()
    assert again.status == Order.Status.PAID and order.refunded_total == Decimal("99.00")
    full = marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-1001", status=PlatformStatus.REFUNDED
    )
    order.refresh_from_db()
    assert full.status == Order.Status.REFUNDED and order.refunded_total == order.total
    assert points_balance(member_id=member.pk) == 0
    # The platform refunded the buyer itself: no refund through a provider of ours.
    assert not Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).exists()


def test_a_cancelled_paid_order_gives_everything_back(shop):
    member = make_member(phone="13800138888")
    marketplace_order_import(data=mp_order(phone="13800138888"))
    result = marketplace_order_status(
        channel_code="tmall-flagship", external_id="TM-1001", status=PlatformStatus.CANCELLED
    )
    order = Order.objects.get(number=result.order_number)
    assert order.status == Order.Status.CANCELLED
    assert order.refunded_total == order.total
    assert points_balance(member_id=member.pk) == 0
    net = sum(SettlementEntry.objects.filter(order=order).values_list("amount", flat=True))
    assert net == Decimal("0.00")
    assert _history(order)[-1] == ("paid", "cancelled")


def test_unknown_orders_and_skus_are_refused(shop):
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_status(
            channel_code="tmall-flagship", external_id="nope", status=PlatformStatus.PAID
        )
    assert exc.value.code == "order_not_found"
    with pytest.raises(ApplicationError) as exc:
        marketplace_order_import(data=mp_order(lines=(("NOPE-1", 1, None),)))
    assert exc.value.code == "sku_unknown"
    assert Order.objects.count() == 0


def test_an_order_first_seen_refunded_is_recorded_paid_then_refunded(shop):
    member = make_member(phone="13800138666")
    result = marketplace_order_import(
        data=mp_order(status=PlatformStatus.REFUNDED, phone="13800138666")
    )
    order = Order.objects.get(number=result.order_number)
    assert order.status == Order.Status.REFUNDED and order.refunded_total == order.total
    assert _history(order) == [("", "pending"), ("pending", "paid"), ("paid", "refunded")]
    assert points_balance(member_id=member.pk) == 0
    net = sum(SettlementEntry.objects.filter(order=order).values_list("amount", flat=True))
    assert net == Decimal("0.00")


def test_an_order_first_seen_cancelled_was_never_paid(shop):
    result = marketplace_order_import(data=mp_order(status=PlatformStatus.CANCELLED))
    order = Order.objects.get(number=result.order_number)
    assert _history(order) == [("", "pending"), ("pending", "cancelled")]
    assert not SettlementEntry.objects.filter(order=order).exists()
