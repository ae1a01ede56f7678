"""Segments (人群) as an offer's scope: members in any of the offer's segments (their latest
materialised version) get it, others see `offer_segment_not_eligible`, anonymous baskets
`offer_members_only`; the offer follows the segment when it is refreshed; an unknown slug is
refused when the offer is saved."""

from __future__ import annotations

from datetime import datetime

import pytest

from omniloop.core.errors import ValidationFailed
from omniloop.insights.features import features_rebuild
from omniloop.insights.services import segment_refresh, segment_save
from omniloop.promotions.engine import price_basket
from omniloop.promotions.offers import offer_create
from omniloop.promotions.values import (
    Candidate,
    LineIn,
    OfferKind,
    OfferRule,
    PricingContext,
    Reason,
)
from tests.factories import make_member
from tests.promotions.pricing_helpers import live_offer, make_shop, till_quote

pytestmark = pytest.mark.django_db
NOON = datetime.fromisoformat("2026-03-02T12:00:00+08:00")


def _engine(member_id, segments):
    rule = OfferRule(
        id=1,
        name="VIP 9折",
        kind=OfferKind.PERCENT_OFF,
        params={"pay_percent": 90},
        segments=frozenset({"vip", "lapsed"}),
    )
    line = LineIn(sku_id=1, product_id=1, category_ids=frozenset(), quantity=1, unit_price=10000)
    ctx = PricingContext(
        channel="pos",
        store_id=None,
        member_id=member_id,
        tier=None,
        local_now=NOON,
        segments=frozenset(segments),
    )
    return price_basket([line], [Candidate(rule)], ctx)


def test_the_engine_checks_the_member_s_segments():
    assert _engine(None, ()).rejected[0].reason == Reason.MEMBERS_ONLY
    assert _engine(7, ()).rejected[0].reason == Reason.SEGMENT_NOT_ELIGIBLE
    assert _engine(7, {"other"}).rejected[0].reason == Reason.SEGMENT_NOT_ELIGIBLE
    assert _engine(7, {"lapsed"}).discount == 1000


def test_a_segment_scoped_offer_follows_the_segment_s_latest_version():
    shop = make_shop()
    hangzhou = make_member(city="杭州")
    shanghai = make_member(city="上海")
    features_rebuild()
    segment = segment_save(
        slug="hz-members", name="杭州会员", rule={"field": "city", "op": "=", "value": "杭州"}
    )
    segment_refresh(segment)
    live_offer(
        name="杭州会员 9折", kind="percent_off", params={"pay_percent": 90}, segments=["hz-members"]
    )
    assert till_quote(shop, [("JK100-M", 1)], member=hangzhou).quote.discount == 3990
    q = till_quote(shop, [("JK100-M", 1)], member=shanghai)
    assert q.quote.discount == 0 and q.quote.rejected[0].reason == Reason.SEGMENT_NOT_ELIGIBLE
    anonymous = till_quote(shop, [("JK100-M", 1)])
    assert anonymous.quote.rejected[0].reason == Reason.MEMBERS_ONLY
    # The rule changes and the segment is refreshed: the offer follows the new version.
    segment = segment_save(
        slug="hz-members", name="上海会员", rule={"field": "city", "op": "=", "value": "上海"}
    )
    segment_refresh(segment)
    assert till_quote(shop, [("JK100-M", 1)], member=hangzhou).quote.discount == 0
    assert till_quote(shop, [("JK100-M", 1)], member=shanghai).quote.discount == 3990


def test_an_unknown_segment_is_refused_and_nothing_is_saved():
    from omniloop.promotions.models import Offer

    with pytest.raises(ValidationFailed) as caught:
        offer_create(
            actor_label="test",
            name="x",
            kind="percent_off",
            params={"pay_percent": 90},
            all_products=True,
            segments=["no-such-segment"],
        )
    assert caught.value.code == "offer_segment_unknown"
    assert not Offer.objects.exists()
