"""Coupon templates: the terms a coupon is issued on (offer, code kind, limits, validity),
created and edited. Counters are never set from input; a template that could not be honoured is
refused, and a refusal writes nothing. Deactivating and retiring are in
`coupon_template_status`."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict, Unpack

from django.db import IntegrityError, transaction

from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.promotions.codes import is_valid_shared_code, new_claim_token, normalize_code
from omniloop.promotions.models import Coupon, CouponTemplate, Offer, Redemption


class TemplateTerms(TypedDict):
    """What staff set on a template (its counters and active flag are never terms)."""

    offer: Offer
    name: str
    code_kind: str
    shared_code: str | None
    shared_code_limit: int | None
    per_member_limit: int
    issue_limit: int | None
    claimable: bool
    welcome: bool
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    restore_on_return: bool
    reserve_minutes: int


TERMS = list(TemplateTerms.__annotations__)


def _invalid(message: str, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code)


def _check_limits(
    *,
    per_member_limit: int,
    issue_limit: int | None,
    shared_code_limit: int | None,
    valid_days: int | None,
    reserve_minutes: int,
) -> None:
    if not 1 <= per_member_limit <= 1000:
        raise _invalid("The per-member limit must be 1-1000.", "coupon_limit_invalid")
    if issue_limit is not None and issue_limit < 1:
        raise _invalid("The issue limit must be at least 1.", "coupon_limit_invalid")
    if shared_code_limit is not None and shared_code_limit < 1:
        raise _invalid("The shared code limit must be at least 1.", "coupon_limit_invalid")
    if valid_days is not None and not 1 <= valid_days <= 3650:
        raise _invalid("Valid days must be 1-3650.", "coupon_validity_invalid")
    if not 1 <= reserve_minutes <= 1440:
        raise _invalid("Reservations last 1-1440 minutes.", "coupon_reserve_minutes_invalid")


def _check_validity(
    *,
    shared: bool,
    valid_from: datetime | None,
    valid_until: datetime | None,
    valid_days: int | None,
) -> None:
    for value in (valid_from, valid_until):
        if value is not None and value.tzinfo is None:
            raise _invalid("Validity times need a time zone.", "coupon_validity_invalid")
    if valid_until is None and valid_days is None:
        raise _invalid(
            "A coupon needs an end date or a number of valid days.", "coupon_validity_required"
        )
    if shared and valid_days is not None:
        # A shared code is never issued, so "N days from issue" has no start.
        raise _invalid(
            "A shared code needs an end date, not valid days.", "coupon_validity_invalid"
        )
    if valid_from is not None and valid_until is not None and valid_from >= valid_until:
        raise _invalid("The validity must end after it starts.", "coupon_validity_invalid")


def _check_offer(offer: Offer) -> None:
    if not offer.coupon_only:
        raise _invalid(
            "Coupons need an offer that applies only with a coupon.", "coupon_offer_not_coupon_only"
        )
    if offer.status == Offer.Status.ENDED:
        raise _invalid("The offer has ended.", "coupon_offer_ended")


def _cleaned(terms: TemplateTerms, *, check_offer: bool) -> TemplateTerms:
    """Every rule on a template's terms (on its offer too unless `check_offer` is false: an
    edit that keeps the offer); returns them with the name and shared code cleaned."""
    name = terms["name"].strip()
    if not name or len(name) > 100:
        raise _invalid("A template needs a name of up to 100 characters.", "coupon_name_invalid")
    if terms["code_kind"] not in CouponTemplate.CodeKind.values:
        raise _invalid("Unknown code kind.", "coupon_code_kind_invalid")
    if check_offer:
        _check_offer(terms["offer"])
    shared = terms["code_kind"] == CouponTemplate.CodeKind.SHARED
    _check_limits(
        per_member_limit=terms["per_member_limit"],
        issue_limit=terms["issue_limit"],
        shared_code_limit=terms["shared_code_limit"],
        valid_days=terms["valid_days"],
        reserve_minutes=terms["reserve_minutes"],
    )
    _check_validity(
        shared=shared,
        valid_from=terms["valid_from"],
        valid_until=terms["valid_until"],
        valid_days=terms["valid_days"],
    )
    if not shared:
        if terms["shared_code"] or terms["shared_code_limit"] is not None:
            raise _invalid(
                "Only shared templates have a shared code.", "coupon_shared_code_unexpected"
            )
        return {**terms, "name": name, "shared_code": None}
    if not terms["shared_code"]:
        raise _invalid("A shared template needs its shared code.", "coupon_shared_code_required")
    code = normalize_code(terms["shared_code"])
    if not is_valid_shared_code(code):
        raise _invalid("A shared code is 4-32 letters and digits.", "coupon_shared_code_invalid")
    if terms["claimable"] or terms["welcome"] or terms["issue_limit"] is not None:
        raise _invalid(
            "A shared code is presented, not issued or claimed.", "coupon_shared_not_issuable"
        )
    return {**terms, "name": name, "shared_code": code}


def _code_taken() -> Conflict:
    return Conflict("This code is already in use.", code="coupon_shared_code_taken")


@transaction.atomic
def coupon_template_create(
    *,
    offer: Offer,
    name: str,
    code_kind: str = CouponTemplate.CodeKind.UNIQUE,
    shared_code: str | None = None,
    shared_code_limit: int | None = None,
    per_member_limit: int = 1,
    issue_limit: int | None = None,
    claimable: bool = False,
    welcome: bool = False,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    valid_days: int | None = None,
    restore_on_return: bool = True,
    reserve_minutes: int = 15,
) -> CouponTemplate:
    """Create a coupon template for a coupon-only offer. Invariants: a shared template has a
    unique, well-formed shared code and is never issued or claimed; a unique template has no
    shared code; every template has an end (a date or days from issue); counters start at zero
    and are never set from input. Invalid input writes nothing."""
    terms = _cleaned(
        TemplateTerms(
            offer=offer,
            name=name,
            code_kind=code_kind,
            shared_code=shared_code,
            shared_code_limit=shared_code_limit,
            per_member_limit=per_member_limit,
            issue_limit=issue_limit,
            claimable=claimable,
            welcome=welcome,
            valid_from=valid_from,
            valid_until=valid_until,
            valid_days=valid_days,
            restore_on_return=restore_on_return,
            reserve_minutes=reserve_minutes,
        ),
        check_offer=True,
    )
    code = terms["shared_code"]
    if code is not None and Coupon.objects.filter(code=code).exists():
        raise _code_taken()
    try:
        with transaction.atomic():
            return CouponTemplate.objects.create(
                **terms, claim_token=new_claim_token() if claimable else None
            )
    except IntegrityError as exc:
        raise _code_taken() from exc


def coupon_template_locked(template_id: int) -> CouponTemplate:
    """The template, its row locked until commit (issues take the same lock)."""
    template = (
        CouponTemplate.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer")
        .filter(pk=template_id)
        .first()
    )
    if template is None:
        raise NotFound("No coupon template has this id.", code="coupon_template_not_found")
    return template


def _in_use(template: CouponTemplate) -> bool:
    """Whether any coupon was issued or the shared code used: the terms members hold are then
    fixed (code kind, shared code, offer)."""
    return (
        template.issued_count > 0
        or template.shared_code_used > 0
        or Coupon.objects.filter(template=template).exists()
        or Redemption.objects.filter(template=template).exists()
    )


@transaction.atomic
def coupon_template_update(*, template_id: int, **terms: Unpack[TemplateTerms]) -> CouponTemplate:
    """Change a template's terms, under its row lock (issues take the same lock, so the counts
    checked here cannot move meanwhile). Invariants, beside `coupon_template_create`'s: the
    issue limit is never below the coupons issued, the shared code limit never below its uses;
    once a coupon is issued or the shared code used, the code kind, the shared code and the
    offer are fixed. Coupons already issued keep the validity they were issued with. Turning
    claiming off keeps the claim token, so a printed link works again when it is turned back
    on. A refusal writes nothing."""
    template = coupon_template_locked(template_id)
    changes_offer = terms["offer"].pk != template.offer_id
    terms = _cleaned(terms, check_offer=changes_offer)
    code, code_kind = terms["shared_code"], terms["code_kind"]
    fixed = [
        field
        for field, changed in (
            ("code_kind", code_kind != template.code_kind),
            ("shared_code", code != template.shared_code),
            ("offer", changes_offer),
        )
        if changed
    ]
    if fixed and _in_use(template):
        raise Conflict(
            "Coupons are already issued: the code kind, the shared code and the offer stay.",
            code="coupon_template_in_use",
            extra={"fields": fixed},
        )
    issue_limit, shared_code_limit = terms["issue_limit"], terms["shared_code_limit"]
    if issue_limit is not None and issue_limit < template.issued_count:
        raise _invalid(
            "The issue limit cannot be below the coupons already issued.",
            "coupon_issue_limit_below_issued",
        )
    if shared_code_limit is not None and shared_code_limit < template.shared_code_used:
        raise _invalid(
            "The shared code limit cannot be below its uses so far.",
            "coupon_shared_limit_below_used",
        )
    new_code = code is not None and code != template.shared_code
    if new_code and Coupon.objects.filter(code=code).exists():
        raise _code_taken()
    for field, value in terms.items():
        setattr(template, field, value)
    if template.claimable and not template.claim_token:
        template.claim_token = new_claim_token()
    try:
        with transaction.atomic():
            template.save(update_fields=[*TERMS, "claim_token"])  # never the counters
    except IntegrityError as exc:
        raise _code_taken() from exc
    return template
