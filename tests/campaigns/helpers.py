"""A brand for campaign tests: members straight with the ORM (fast), one segment over them, a
coupon template, and the two staff actors (a marketer who drafts, an HQ admin who approves)."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np

from omniloop.accounts.access import Actor
from omniloop.accounts.models import Role
from omniloop.campaigns.models import Campaign
from omniloop.campaigns.services import (
    campaign_approve,
    campaign_draft,
    campaign_launch,
    campaign_submit,
)
from omniloop.core import clock
from omniloop.insights.features import features_rebuild
from omniloop.insights.models import Segment
from omniloop.insights.services import segment_save
from omniloop.members.models import Member
from omniloop.orders.models import Order
from omniloop.promotions.models import CouponTemplate
from tests.factories import make_user
from tests.promotions.coupon_helpers import make_template, till_channel

_seq = itertools.count(1)
TIERS = ("standard", "silver", "gold")
GENDERS = ("f", "m", "")
CITIES = ("上海", "北京", "杭州")


def make_members(n: int, *, city: str | None = None) -> list[int]:
    """`n` active members with varied tier, gender and city; returns their ids in order."""
    now = clock.now()
    start = next(_seq) * 1_000_000
    rows = [
        Member(
            code=f"C{start + i}",
            tier=TIERS[i % 3],
            gender=GENDERS[(i // 3) % 3],
            city=city or CITIES[(i // 9) % 3],
            joined_at=now,
        )
        for i in range(n)
    ]
    Member.objects.bulk_create(rows, batch_size=2000)
    return list(
        Member.objects.filter(code__in=[r.code for r in rows])
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def everyone_segment(slug: str = "everyone") -> Segment:
    features_rebuild()
    return segment_save(
        slug=slug, name="所有会员", rule={"field": "tenure_days", "op": ">=", "value": 0}
    )


def actors() -> tuple[Actor, Actor]:
    marketer = make_user(Role.MARKETER)
    admin = make_user(Role.HQ_ADMIN)
    return (
        Actor(role=Role.MARKETER.value, store_id=None, user_id=marketer.pk),
        Actor(role=Role.HQ_ADMIN.value, store_id=None, user_id=admin.pk),
    )


def coupon_template(**kw: Any) -> CouponTemplate:
    return make_template(**kw)  # 满300减50: at most ¥50 (5000 fen) off per coupon


def approved(segment: Segment, **fields: Any) -> Campaign:
    marketer, admin = actors()
    fields.setdefault("coupon_template", coupon_template())
    fields.setdefault("use_brand_control", False)
    c = campaign_draft(actor=marketer, name="测试活动", segment=segment, **fields)
    campaign_submit(actor=marketer, campaign=c)
    return campaign_approve(actor=admin, campaign=c)


def launched(segment: Segment, **fields: Any) -> Campaign:
    return campaign_launch(campaign=approved(segment, **fields))


def order(member_id: int, total: str | Decimal, at: datetime | None = None) -> Order:
    return Order.objects.create(
        number=f"T{uuid.uuid4().hex[:20]}",
        channel=till_channel(),
        member_id=member_id,
        total=Decimal(total),
        ordered_at=at or clock.now(),
    )


def orders_bulk(member_ids: np.ndarray, totals: np.ndarray, at: datetime) -> int:
    """One order per (member, total) with total > 0, in one bulk insert."""
    channel = till_channel()
    rows = [
        Order(
            number=f"T{uuid.uuid4().hex[:20]}",
            channel=channel,
            member_id=int(m),
            total=Decimal(f"{t:.2f}"),
            ordered_at=at,
        )
        for m, t in zip(member_ids.tolist(), totals.tolist(), strict=True)
        if t > 0
    ]
    Order.objects.bulk_create(rows, batch_size=2000)
    return len(rows)
