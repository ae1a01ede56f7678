"""Reads the promotions pages compose: coupon templates with their counts, scoped like offers
(store staff see templates whose offer reaches every store or theirs), and flash sales."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from omniloop.accounts.access import Actor
from omniloop.core.errors import NotFound
from omniloop.promotions.models import Coupon, CouponTemplate, FlashSale, Offer


def coupon_template_list(*, actor: Actor) -> QuerySet[CouponTemplate]:
    qs = CouponTemplate.objects.select_related("offer").annotate(
        redeemed=Count("coupons", filter=Q(coupons__state=Coupon.State.REDEEMED))
    )
    if not actor.is_hq:
        visible = Offer.objects.filter(Q(stores__isnull=True) | Q(stores=actor.store_id))
        qs = qs.filter(offer__in=visible.values("pk"))
    return qs.order_by("-pk")


def coupon_template_for_actor(*, actor: Actor, template_id: int) -> CouponTemplate:
    template = coupon_template_list(actor=actor).filter(pk=template_id).first()
    if template is None:
        raise NotFound("No coupon template has this id.", code="coupon_template_not_found")
    return template


def claim_url(token: str) -> str:
    """The member-facing claim link: the H5 claim page, at the public base URL (as printed on
    QR codes)."""
    return settings.OMNILOOP_BASE_URL + reverse("h5:coupon_claim", kwargs={"token": token})


def flash_sale_list() -> QuerySet[FlashSale]:
    return FlashSale.objects.select_related("sku__product").order_by("-starts_at", "-pk")
