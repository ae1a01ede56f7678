"""Values that travel out of the coupon services: problems with a presented code, bulk issue
reports and template counts. Plain frozen dataclasses, like `values.py`."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from omniloop.core.errors import ApplicationError, Conflict, NotFound

if TYPE_CHECKING:
    from omniloop.promotions.models import Coupon


class CouponReason(StrEnum):
    """Why a presented code cannot be used: stable codes the till, the cart and the H5 show.
    Channel, store and stacking refusals are the engine's `Reason` codes, not these."""

    UNKNOWN = "coupon_unknown"
    EXPIRED = "coupon_expired"
    NOT_STARTED = "coupon_not_started"
    NOT_YOURS = "coupon_not_yours"
    ALREADY_REDEEMED = "coupon_already_redeemed"
    RESERVED = "coupon_reserved"  # held by another checkout
    LIMIT_REACHED = "coupon_limit_reached"  # a shared code used up
    MEMBER_LIMIT = "coupon_member_limit"
    INACTIVE = "coupon_inactive"


MESSAGES: dict[str, str] = {
    CouponReason.UNKNOWN: "No coupon has this code.",
    CouponReason.EXPIRED: "This coupon has expired.",
    CouponReason.NOT_STARTED: "This coupon cannot be used yet.",
    CouponReason.NOT_YOURS: "This coupon belongs to another member.",
    CouponReason.ALREADY_REDEEMED: "This coupon has already been used.",
    CouponReason.RESERVED: "This coupon is held by another checkout.",
    CouponReason.LIMIT_REACHED: "This code has been used up.",
    CouponReason.MEMBER_LIMIT: "You have already used this coupon as often as allowed.",
    CouponReason.INACTIVE: "This coupon is no longer valid.",
}


@dataclass(frozen=True)
class CouponProblem:
    code: str  # the code as normalised (what was looked up)
    reason: str  # a CouponReason value


def coupon_error(reason: str, *, code: str = "") -> ApplicationError:
    """The exception for a problem, when a service must refuse rather than report."""
    message = MESSAGES.get(reason, "This coupon cannot be used.")
    extra = {"coupon_code": code} if code else None
    if reason == CouponReason.UNKNOWN:
        return NotFound(message, code=reason, extra=extra)
    return Conflict(message, code=reason, extra=extra)


@dataclass(frozen=True)
class IssuedCoupon:
    member_id: int
    coupon_id: int
    code: str


@dataclass(frozen=True)
class IssueProblem:
    member_id: int | None  # None: the member code matched no member
    reason: str  # member_not_found, coupon_member_limit, coupon_issue_limit_reached
    member_code: str = ""  # set when the caller named members by code


@dataclass(frozen=True)
class IssueReport:
    issued: tuple[IssuedCoupon, ...]
    problems: tuple[IssueProblem, ...]


@dataclass(frozen=True)
class RestoreReport:
    restored: int  # uses given back (coupon re-issued or shared use returned)
    kept: int  # uses that stand because the template does not restore on return


@dataclass(frozen=True)
class TemplateCounts:
    issued: int
    usable: int
    reserved: int
    redeemed: int
    void: int
    shared_code_used: int


@dataclass(frozen=True)
class Wallet:
    """A member's coupons as the wallet groups them (rows with `template__offer` loaded)."""

    usable: list[Coupon]
    used: list[Coupon]
    expired: list[Coupon]  # expired, void, or whose template or offer has ended
