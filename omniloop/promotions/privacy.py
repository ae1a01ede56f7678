"""A member's coupons, for their data export (kept on erasure: redemptions are accounts)."""

from __future__ import annotations

from typing import Any

from omniloop.members.models import Member
from omniloop.promotions.models import Coupon


def coupons_export(member: Member) -> list[dict[str, Any]]:
    coupons = Coupon.objects.filter(member=member).select_related("template")
    return [
        {
            "template": c.template.name,
            "code": c.code,
            "state": c.state,
            "issued_at": c.issued_at.isoformat(),
            "valid_until": c.valid_until.isoformat() if c.valid_until else None,
            "redeemed_at": c.redeemed_at.isoformat() if c.redeemed_at else None,
        }
        for c in coupons.order_by("issued_at", "pk")
    ]
