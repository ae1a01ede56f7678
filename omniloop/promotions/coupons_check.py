"""Presented codes -> engine candidates, with a stable problem code for each code that cannot be
used, and the guessing protection every lookup by code goes through."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.core.cache import cache

from omniloop.core import clock, rows
from omniloop.core.errors import RateLimited, ValidationFailed
from omniloop.core.ratelimit import hit
from omniloop.promotions.codes import normalize_code
from omniloop.promotions.coupon_values import CouponProblem, CouponReason
from omniloop.promotions.models import Coupon, CouponTemplate, Offer, Redemption
from omniloop.promotions.offer_index import OfferIndex, current_index
from omniloop.promotions.values import Candidate, OfferRule

MAX_CODES = 20
GUESS_RATE = [(10, 600)]  # unknown codes per client: 10 in 10 minutes


# --- Guessing protection ------------------------------------------------------------------------


def _blocked_key(client_key: str) -> str:
    return f"coupon-guess-blocked:{client_key}"


def guess_guard(client_key: str | None) -> None:
    """A client over the guessing limit gets no answers at all until its window ends: were
    known codes still answered, the 429s on unknown ones would themselves be the oracle."""
    if not client_key:
        return
    until = cache.get(_blocked_key(client_key))
    if until is not None:
        retry = int(until - clock.now().timestamp()) + 1
        if retry > 0:
            raise RateLimited(
                "Too many unknown coupon codes. Try later.",
                retry_after=retry,
                code="coupon_guess_rate_limited",
            )


def guess_count(client_key: str | None) -> None:
    if not client_key:
        return
    try:
        hit(
            f"coupon-guess:{client_key}",
            GUESS_RATE,
            code="coupon_guess_rate_limited",
            message="Too many unknown coupon codes. Try later.",
        )
    except RateLimited as exc:
        until = clock.now().timestamp() + exc.retry_after
        cache.set(_blocked_key(client_key), until, timeout=exc.retry_after)
        raise


def codes_normalized(codes: list[str]) -> list[str]:
    if len(codes) > MAX_CODES:
        raise ValidationFailed(
            f"At most {MAX_CODES} codes at a time.", code="coupon_too_many_codes"
        )
    return list(dict.fromkeys(c for c in (normalize_code(raw) for raw in codes) if c))


# --- Checks -------------------------------------------------------------------------------------


def _offer_live(template: CouponTemplate) -> bool:
    return template.offer.status == Offer.Status.ACTIVE


def _shared_live(template: CouponTemplate) -> bool:
    """A shared code is never issued, so a deactivated template stops the code itself; a
    single-use coupon stays valid when its template stops issuing."""
    return template.active and _offer_live(template)


def coupon_problem(
    coupon: Coupon, *, member_id: int | None, at: datetime, reservation_ref: str | None = None
) -> CouponReason | None:
    """Why `coupon` cannot be used now by `member_id`, or None. Ownership is checked first, so
    nothing about another member's coupon leaks beyond the fact that it is not yours."""
    if coupon.member_id is not None and coupon.member_id != member_id:
        return CouponReason.NOT_YOURS
    if coupon.state == Coupon.State.VOID or not _offer_live(coupon.template):
        return CouponReason.INACTIVE
    if coupon.state == Coupon.State.REDEEMED:
        return CouponReason.ALREADY_REDEEMED
    if (
        coupon.state == Coupon.State.RESERVED
        and coupon.reserved_until is not None
        and coupon.reserved_until > at
        and not (reservation_ref and coupon.reservation_ref == reservation_ref)
    ):
        return CouponReason.RESERVED
    if coupon.valid_from > at:
        return CouponReason.NOT_STARTED
    if coupon.valid_until is not None and coupon.valid_until <= at:
        return CouponReason.EXPIRED
    return None


def _member_uses(template_id: int, member_id: int) -> int:
    return Redemption.objects.filter(
        template_id=template_id, member_id=member_id, reversed_at__isnull=True
    ).count()


def shared_problem(
    template: CouponTemplate, *, member_id: int | None, at: datetime, pending: int = 0
) -> CouponReason | None:
    """Why a shared code cannot be used now, or None. Without a member the per-member limit
    cannot be counted: offers that must be once per person set `requires_member`."""
    if not _shared_live(template):
        return CouponReason.INACTIVE
    if template.valid_from is not None and template.valid_from > at:
        return CouponReason.NOT_STARTED
    if template.valid_until is not None and template.valid_until <= at:
        return CouponReason.EXPIRED
    limit = template.shared_code_limit
    if limit is not None and template.shared_code_used >= limit:
        return CouponReason.LIMIT_REACHED
    if (
        member_id is not None
        and _member_uses(template.pk, member_id) + pending >= template.per_member_limit
    ):
        return CouponReason.MEMBER_LIMIT
    return None


# --- Candidates ---------------------------------------------------------------------------------


def _coupons_by_code(codes: list[str]) -> dict[str, Coupon]:
    """The coupons with these codes, each with its template and offer: one fixed statement per
    number of codes (every till sale with a coupon comes here; core.rows)."""
    if not codes:
        return {}
    c, t, o = rows.shape(Coupon, "c"), rows.shape(CouponTemplate, "t"), rows.shape(Offer, "o")
    sql = (
        f"SELECT {c.columns}, {t.columns}, {o.columns} FROM {rows.table(Coupon, 'c')}"  # noqa: S608
        f" JOIN {rows.table(CouponTemplate, 't')} ON t.id = c.template_id"
        f" JOIN {rows.table(Offer, 'o')} ON o.id = t.offer_id"
        f" WHERE c.code IN ({rows.placeholders(len(codes))})"
    )
    out = {}
    for coupon, template, offer in rows.fetch_joined(sql, codes, c, t, o):
        rows.attach(template, "offer", offer)
        rows.attach(coupon, "template", template)
        out[coupon.code] = coupon
    return out


def coupon_candidates(
    *,
    codes: list[str],
    member_id: int | None,
    at: datetime,
    client_key: str | None = None,
    reservation_ref: str | None = None,
    index: OfferIndex | None = None,
) -> tuple[list[Candidate], list[CouponProblem]]:
    """Presented codes -> engine candidates and problems (one per unusable code, nothing
    raised for them). Codes are normalised and de-duplicated. Every unknown code counts against
    `client_key`'s guessing limit (10 per 10 minutes); past it this raises `RateLimited`
    (`coupon_guess_rate_limited`) for every call until the window ends. A coupon reserved under
    `reservation_ref` counts as free for that checkout. Reads only (the rate counter aside)."""
    guess_guard(client_key)
    wanted = codes_normalized(codes)
    coupons = _coupons_by_code(wanted)
    unknown = [c for c in wanted if c not in coupons]
    shared = (
        {
            t.shared_code: t
            for t in CouponTemplate.objects.filter(shared_code__in=unknown).select_related("offer")
        }
        if unknown
        else {}
    )
    # The offers' rules (scope read once per index, not per sale); a quote hands over the index it
    # has just checked, so a sale reads the offer fingerprint once.
    index = index or current_index()

    def rule_for(template: CouponTemplate) -> OfferRule:
        return index.rule_of(template.offer)

    candidates: list[Candidate] = []
    problems: list[CouponProblem] = []
    for code in wanted:
        reason: CouponReason | None
        if code in coupons:
            coupon = coupons[code]
            reason = coupon_problem(
                coupon, member_id=member_id, at=at, reservation_ref=reservation_ref
            )
            if reason is None:
                candidates.append(Candidate(rule_for(coupon.template), coupon.pk, code))
        elif code in shared:
            template = shared[code]
            reason = shared_problem(template, member_id=member_id, at=at)
            if reason is None:
                # The code itself was presented and checked here, so the offer's "coupon only"
                # condition is met although no single-use coupon stands behind it.
                rule = replace(rule_for(template), coupon_only=False)
                candidates.append(Candidate(rule, None, code))
        else:
            reason = CouponReason.UNKNOWN
            guess_count(client_key)
        if reason is not None:
            problems.append(CouponProblem(code=code, reason=reason))
    return candidates, problems
