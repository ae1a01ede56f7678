"""Steering a coupon template: deactivate, reactivate, retire.

Deactivating stops issuing and claiming (welcome gifts too); coupons already issued stay valid,
they carry their own validity. Retiring deactivates and also voids the unused coupons. A shared
code is never issued: deactivating its template stops the code itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q, QuerySet

from omniloop.core import clock
from omniloop.core.errors import Conflict
from omniloop.promotions.coupon_templates import coupon_template_locked
from omniloop.promotions.models import Coupon, CouponTemplate, Offer


@dataclass(frozen=True)
class RetirePreview:
    unused: int  # coupons retiring voids: issued or held, neither used nor expired
    held: int  # of those, held by a checkout right now (it will be refused them)


def _set_active(template_id: int, active: bool) -> CouponTemplate:
    template = coupon_template_locked(template_id)
    if active and template.offer.status == Offer.Status.ENDED:
        raise Conflict("The offer has ended.", code="coupon_offer_ended")
    if template.active != active:
        template.active = active
        template.save(update_fields=["active"])
    return template


@transaction.atomic
def coupon_template_deactivate(*, template_id: int) -> CouponTemplate:
    """Stop issuing and claiming (welcome gifts too); issued coupons stay valid. Idempotent."""
    return _set_active(template_id, False)


@transaction.atomic
def coupon_template_reactivate(*, template_id: int) -> CouponTemplate:
    """Issue and claim again (refused once the offer has ended). Idempotent."""
    return _set_active(template_id, True)


def _unused(template: CouponTemplate, at: datetime) -> QuerySet[Coupon]:
    return Coupon.objects.filter(
        template=template, state__in=[Coupon.State.ISSUED, Coupon.State.RESERVED]
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))


def coupon_template_retire_preview(
    *, template: CouponTemplate, at: datetime | None = None
) -> RetirePreview:
    """What retiring would void now (a read, for the confirm page)."""
    at = at or clock.now()
    unused = _unused(template, at)
    held = unused.filter(state=Coupon.State.RESERVED, reserved_until__gt=at)
    return RetirePreview(unused=unused.count(), held=held.count())


@transaction.atomic
def coupon_template_retire(*, template_id: int, at: datetime | None = None) -> int:
    """Deactivate the template and void its unused coupons, those held by a checkout too (the
    checkout is then refused them); redeemed and expired coupons stay as they are. Returns how
    many were voided. Retiring is an action, not a state: a retired template is inactive, and
    reactivating it issues again but revives no voided coupon. Lock order: the template row,
    then coupon rows by pk."""
    at = at or clock.now()
    template = _set_active(template_id, False)
    # Lock in pk order first (the one lock order), then void what is still unused.
    list(_unused(template, at).select_for_update(no_key=True).order_by("pk").values("pk"))
    return _unused(template, at).update(
        state=Coupon.State.VOID, reserved_until=None, reservation_ref=""
    )
