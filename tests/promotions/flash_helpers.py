"""Factories for flash-sale and group-buy tests."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from omniloop.core import clock
from omniloop.members.codes import new_member_code
from omniloop.members.models import Member
from omniloop.promotions.flash import flash_sale_create
from omniloop.promotions.models import FlashSale, FlashSaleClaim, FlashSaleTally
from tests.factories import make_product


def make_flash_sale(**kw: Any) -> FlashSale:
    now = clock.now()
    fields: dict[str, Any] = {
        "name": "限时秒杀",
        "price": Decimal("99.00"),
        "stock": 100,
        "per_member_limit": 1,
        "starts_at": now - timedelta(hours=1),
        "ends_at": now + timedelta(hours=1),
    }
    fields.update(kw)
    if "sku_id" not in fields:
        fields["sku_id"] = make_product().skus.order_by("pk").first().pk
    return flash_sale_create(**fields)


def bulk_members(n: int) -> list[Member]:
    """Many members at once (no phones): for races with thousands of claimants."""
    joined = clock.now()
    Member.objects.bulk_create(
        [Member(code=new_member_code(), joined_at=joined, join_source="test") for _ in range(n)]
    )
    return list(Member.objects.order_by("-pk")[:n])


def flash_state(sale: FlashSale) -> dict[str, Any]:
    """Everything a claim writes, to compare before and after a refusal."""
    sale.refresh_from_db()
    return {
        "stock_left": sale.stock_left,
        "claims": FlashSaleClaim.objects.filter(flash_sale=sale).count(),
        "tallies": list(
            FlashSaleTally.objects.filter(flash_sale=sale)
            .order_by("member_id")
            .values_list("member_id", "quantity")
        ),
    }


def held_units(sale: FlashSale) -> int:
    return (
        FlashSaleClaim.objects.filter(flash_sale=sale)
        .exclude(state=FlashSaleClaim.State.RELEASED)
        .aggregate(n=Sum("quantity"))["n"]
        or 0
    )
