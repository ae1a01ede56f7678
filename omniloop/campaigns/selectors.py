"""Reading campaigns for the dashboard."""

from __future__ import annotations

from django.db.models import QuerySet

from omniloop.campaigns.models import Campaign
from omniloop.core.errors import NotFound
from omniloop.promotions.models import CouponTemplate
from omniloop.stores.models import Store


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


def campaign_store_choices() -> list[Store]:
    """Stores a new-store campaign can invite to: those with coordinates."""
    return list(
        Store.objects.filter(latitude__isnull=False, longitude__isnull=False).order_by("code")
    )


def campaign_store_get(store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound("Store not found.", code="store_not_found")
    return store
