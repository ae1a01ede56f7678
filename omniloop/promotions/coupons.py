"""Coupons: the public surface; callers import from here. Templates live in `coupon_templates`
(terms) and `coupon_template_status` (deactivate, reactivate, retire), issuing in
`coupons_issue`, presented codes -> candidates in `coupons_check`, reservations, redemption and
restore in `coupons_redeem`.

Lifecycle of a single-use coupon: issued -> reserved by a checkout (with expiry; a lapsed hold
counts as free) -> redeemed when paid -> back to issued on cancel (`coupons_release`) or, where
the template says so, on a full return (`coupons_restore_for_order`). A coupon got online is
honoured in store and the reverse: the code is the same and so are the checks."""

from __future__ import annotations

from omniloop.promotions.coupon_template_status import (
    RetirePreview,
    coupon_template_deactivate,
    coupon_template_reactivate,
    coupon_template_retire,
    coupon_template_retire_preview,
)
from omniloop.promotions.coupon_templates import coupon_template_create, coupon_template_update
from omniloop.promotions.coupon_values import CouponProblem, CouponReason
from omniloop.promotions.coupons_check import coupon_candidates
from omniloop.promotions.coupons_issue import (
    coupon_claim,
    coupon_compensate,
    coupon_issue,
    coupon_issue_bulk,
    coupon_issue_by_member_codes,
    coupon_validity,
    coupons_merge,
    coupons_welcome_issue,
)
from omniloop.promotions.coupons_redeem import (
    coupon_hold,
    coupon_refusal,
    coupons_redeem,
    coupons_release,
    coupons_release_expired,
    coupons_reserve,
    coupons_restore_for_order,
)

__all__ = [
    "CouponProblem",
    "CouponReason",
    "RetirePreview",
    "coupon_candidates",
    "coupon_claim",
    "coupon_compensate",
    "coupon_hold",
    "coupon_issue",
    "coupon_issue_bulk",
    "coupon_issue_by_member_codes",
    "coupon_refusal",
    "coupon_template_create",
    "coupon_template_deactivate",
    "coupon_template_reactivate",
    "coupon_template_retire",
    "coupon_template_retire_preview",
    "coupon_template_update",
    "coupon_validity",
    "coupons_merge",
    "coupons_redeem",
    "coupons_release",
    "coupons_release_expired",
    "coupons_reserve",
    "coupons_restore_for_order",
    "coupons_welcome_issue",
]
