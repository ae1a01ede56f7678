"""Reads for promotions: coupon wallets and template counts (offer reads are added below)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Count, Q

from omniloop.core.errors import NotFound
from omniloop.promotions.coupon_values import TemplateCounts, Wallet
from omniloop.promotions.models import Coupon, CouponTemplate, Offer
from omniloop.promotions.offer_index import offer_candidates as _indexed_candidates
from omniloop.promotions.values import Candidate, LineIn

WALLET_HISTORY = 50  # used and expired coupons shown


def _no_longer_usable(at: datetime) -> Q:
    # A deactivated template stops issuing only: its coupons stay usable (retiring voids them).
    return (
        Q(state=Coupon.State.VOID)
        | Q(valid_until__lte=at)
        | Q(template__offer__status=Offer.Status.ENDED)
    )


def member_wallet(*, member_id: int, at: datetime) -> Wallet:
    """The member's coupons: usable (soonest to expire first; coupons not yet started and those
    held by a checkout included), used (latest first) and no longer usable (latest first)."""
    mine = (
        Coupon.objects.filter(member_id=member_id)
        .select_related("template__offer")
        .prefetch_related("template__offer__stores")
    )
    used = mine.filter(state=Coupon.State.REDEEMED).order_by("-redeemed_at", "-pk")
    gone = _no_longer_usable(at)
    expired = mine.exclude(state=Coupon.State.REDEEMED).filter(gone).order_by("-valid_until", "-pk")
    usable = (
        mine.filter(state__in=[Coupon.State.ISSUED, Coupon.State.RESERVED])
        .exclude(gone)
        .order_by("valid_until", "pk")
    )
    return Wallet(
        usable=list(usable),
        used=list(used[:WALLET_HISTORY]),
        expired=list(expired[:WALLET_HISTORY]),
    )


def member_usable_coupon_count(*, member_id: int, at: datetime) -> int:
    return (
        Coupon.objects.filter(
            member_id=member_id, state__in=[Coupon.State.ISSUED, Coupon.State.RESERVED]
        )
        .exclude(_no_longer_usable(at))
        .count()
    )


def coupon_template_get(*, template_id: int) -> CouponTemplate:
    template = CouponTemplate.objects.select_related("offer").filter(pk=template_id).first()
    if template is None:
        raise NotFound("No coupon template has this id.", code="coupon_template_not_found")
    return template


def claimable_template_get(*, claim_token: str) -> CouponTemplate:
    """The template behind a claim link; a template that is not claimable has no link."""
    template = (
        CouponTemplate.objects.select_related("offer")
        .filter(claim_token=claim_token[:32], claimable=True)
        .first()
        if claim_token
        else None
    )
    if template is None:
        raise NotFound("This coupon link is not valid.", code="coupon_claim_unknown")
    return template


def member_template_coupon_count(*, member_id: int, template_id: int) -> int:
    """Coupons of a template the member holds (void ones aside): what its per-member limit
    counts."""
    return (
        Coupon.objects.filter(member_id=member_id, template_id=template_id)
        .exclude(state=Coupon.State.VOID)
        .count()
    )


def coupon_template_counts(*, template: CouponTemplate, at: datetime) -> TemplateCounts:
    states = dict(
        Coupon.objects.filter(template=template)
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    usable = (
        Coupon.objects.filter(template=template, state=Coupon.State.ISSUED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .count()
    )
    return TemplateCounts(
        issued=template.issued_count,
        usable=usable,
        reserved=states.get(Coupon.State.RESERVED, 0),
        redeemed=states.get(Coupon.State.REDEEMED, 0),
        void=states.get(Coupon.State.VOID, 0),
        shared_code_used=template.shared_code_used,
    )


def offer_candidates(
    *, lines: Sequence[LineIn], channel: str, store_id: int | None
) -> list[Candidate]:
    """The automatic (not coupon-only) active offers whose scope touches `lines` and which run
    in `channel` and `store_id`, from the in-process offer index; the engine decides the rest."""
    return _indexed_candidates(lines=lines, channel=channel, store_id=store_id)
