"""Factories for coupon tests: a coupon-only offer, templates, and bare orders to redeem on."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from omniloop.core import clock
from omniloop.orders.models import Order
from omniloop.promotions.coupons import coupon_template_create
from omniloop.promotions.models import CouponTemplate, Offer
from omniloop.promotions.values import Candidate, OfferKind, OfferRule
from omniloop.stores.models import SalesChannel


def make_offer(**kw: Any) -> Offer:
    fields: dict[str, Any] = {
        "name": "满300减50",
        "kind": "amount_off",
        "params": {"amount": 5000, "min_spend": 30000},
        "status": Offer.Status.ACTIVE,
        "all_products": True,
        "coupon_only": True,
    }
    fields.update(kw)
    return Offer.objects.create(**fields)


def make_template(offer: Offer | None = None, **kw: Any) -> CouponTemplate:
    fields: dict[str, Any] = {"name": "新人券", "valid_days": 30}
    fields.update(kw)
    return coupon_template_create(offer=offer or make_offer(), **fields)


def make_shared(code: str = "SPRING50", **kw: Any) -> CouponTemplate:
    fields: dict[str, Any] = {
        "code_kind": "shared",
        "shared_code": code,
        "valid_until": clock.now() + timedelta(days=30),
        "valid_days": None,
    }
    fields.update(kw)
    return make_template(**fields)


def till_channel() -> SalesChannel:
    channel, _ = SalesChannel.objects.get_or_create(
        code="store-till", defaults={"name": "门店收银", "kind": "store_till"}
    )
    return channel


def make_order(member_id: int | None = None, at: datetime | None = None) -> Order:
    """A bare order to redeem on (threads: create the channel first with `till_channel`)."""
    return Order.objects.create(
        number=f"T{uuid.uuid4().hex[:20]}",
        channel=till_channel(),
        member_id=member_id,
        total=Decimal("250.00"),
        ordered_at=at or clock.now(),
    )


def single(coupon_id: int, code: str = "") -> Candidate:
    """A candidate as `coupon_candidates` returns it, for redeem tests (the rule is not read)."""
    return Candidate(OfferRule(0, "x", OfferKind.AMOUNT_OFF, {}), coupon_id, code or None)


def shared(code: str) -> Candidate:
    return Candidate(OfferRule(0, "x", OfferKind.AMOUNT_OFF, {}), None, code)
