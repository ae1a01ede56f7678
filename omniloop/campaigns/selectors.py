"""Reading campaigns for the dashboard."""

from __future__ import annotations

from django.db.models import QuerySet

from omniloop.campaigns.models import Campaign
from omniloop.core.errors import NotFound
from omniloop.promotions.models import CouponTemplate


def campaign_list() -> QuerySet[Campaign]:
    return Campaign.objects.select_related("segment", "coupon_template").all()


def campaign_get(campaign_id: int) -> Campaign:
    c = campaign_list().filter(pk=campaign_id).first()
    if c is None:
        raise NotFound("Campaign not found.", code="campaign_not_found")
    return c


def campaign_coupon_choices() -> list[CouponTemplate]:
    """Templates a campaign may give: unique codes, active."""
    return list(
        CouponTemplate.objects.filter(active=True, code_kind=CouponTemplate.CodeKind.UNIQUE)
        .select_related("offer")
        .order_by("-pk")[:200]
    )
