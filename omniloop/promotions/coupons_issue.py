"""Issuing coupons to members (one, in bulk, by claim, as compensation, as a
welcome gift).

Limits are kept by the database, never by a read followed by a write: `issued_count` grows by one
conditional UPDATE (`issued_count < issue_limit`), and that UPDATE also locks the template row for
the rest of the transaction, so the per-member count taken after it cannot race another issue of
the same template."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q

from omniloop.core import clock
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.members.models import Member
from omniloop.promotions.codes import coupon_code_sql, new_coupon_code
from omniloop.promotions.coupon_values import IssuedCoupon, IssueProblem, IssueReport
from omniloop.promotions.models import Coupon, CouponTemplate, Offer, Redemption

log = logging.getLogger(__name__)

ISSUE_SOURCES = frozenset(
    {
        "manual",
        "bulk",
        "claim",
        "scan",
        "welcome",
        "compensation",
        "campaign",
        "assistant",
        "referral",
        "lottery",
    }
)
BULK_MAX = 1000
_CODE_ATTEMPTS = 5


def coupon_validity(*, template: CouponTemplate, at: datetime) -> tuple[datetime, datetime | None]:
    """When a coupon issued at `at` is valid: from the later of issue and the template's start,
    until the template's end or `valid_days` (24-hour days) after that start, whichever is first."""
    start = max(template.valid_from, at) if template.valid_from else at
    until = template.valid_until
    if template.valid_days:
        by_days = start + timedelta(days=template.valid_days)
        until = by_days if until is None else min(until, by_days)
    return start, until


def _check_issuable(template: CouponTemplate, at: datetime) -> None:
    if template.code_kind != CouponTemplate.CodeKind.UNIQUE:
        raise ValidationFailed(
            "A shared code is presented, not issued.", code="coupon_template_shared"
        )
    if not template.active or template.offer.status == Offer.Status.ENDED:
        raise Conflict("This coupon is no longer issued.", code="coupon_template_inactive")
    if template.valid_until is not None and template.valid_until <= at:
        raise Conflict("This coupon has expired.", code="coupon_template_expired")


def _take_issue_slots(template: CouponTemplate, n: int) -> None:
    """Count `n` issues in one conditional UPDATE; it also holds the template row lock until
    commit, which serialises concurrent issues of this template."""
    room = Q(issue_limit__isnull=True) | Q(issued_count__lte=F("issue_limit") - n)
    if (
        not CouponTemplate.objects.filter(pk=template.pk, active=True)
        .filter(room)
        .update(issued_count=F("issued_count") + n)
    ):
        if not CouponTemplate.objects.filter(pk=template.pk, active=True).exists():
            raise Conflict("This coupon is no longer issued.", code="coupon_template_inactive")
        raise Conflict("All coupons have been given out.", code="coupon_issue_limit_reached")


def _create_coupon(template: CouponTemplate, member: Member, source: str, at: datetime) -> Coupon:
    valid_from, valid_until = coupon_validity(template=template, at=at)
    for _ in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return Coupon.objects.create(
                    template=template,
                    member=member,
                    code=new_coupon_code(),
                    source=source,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    issued_at=at,
                )
        except IntegrityError:
            continue  # a code collision (about 2^-59 per pair): draw another
    raise Conflict("No free coupon code could be drawn.", code="coupon_code_exhausted")


def _issue(
    *,
    template: CouponTemplate,
    member: Member,
    source: str,
    at: datetime | None,
    enforce_member_limit: bool = True,
) -> Coupon:
    if source not in ISSUE_SOURCES:
        raise ValidationFailed("Unknown coupon source.", code="coupon_source_invalid")
    at = at or clock.now()
    if member.status != Member.Status.ACTIVE:
        raise NotFound("Member not found.", code="member_not_found")
    _check_issuable(template, at)

    def at_member_limit() -> bool:
        held = (
            Coupon.objects.filter(template=template, member=member)
            .exclude(state=Coupon.State.VOID)
            .count()
        )
        return enforce_member_limit and held >= template.per_member_limit

    member_limit = Conflict(
        "This member already holds as many of these coupons as allowed.",
        code="coupon_member_limit",
    )
    with transaction.atomic():
        try:
            _take_issue_slots(template, 1)
        except Conflict as exc:
            # "You already have it" tells a member more than "all gone" (a read only to word
            # the refusal: nothing is written either way).
            if exc.code == "coupon_issue_limit_reached" and at_member_limit():
                raise member_limit from exc
            raise
        # Counted after the UPDATE above, which holds the template row lock until commit.
        if at_member_limit():
            raise member_limit
        coupon = _create_coupon(template, member, source, at)
    template.refresh_from_db(fields=["issued_count"])
    return coupon


def coupon_issue(
    *, template: CouponTemplate, member: Member, source: str, at: datetime | None = None
) -> Coupon:
    """Give `member` one coupon of `template`. Invariants: never more than `issue_limit`
    coupons of a template exist, a member never holds more than `per_member_limit` (void ones
    aside), and a failed issue writes nothing."""
    return _issue(template=template, member=member, source=source, at=at)


def coupon_compensate(
    *, template: CouponTemplate, member: Member, at: datetime | None = None
) -> Coupon:
    """A compensation coupon from customer service (R8). A deliberate remedy, so it is not held
    back by the per-member limit; the template's issue limit still holds."""
    return _issue(
        template=template,
        member=member,
        source="compensation",
        at=at,
        enforce_member_limit=False,
    )


def coupon_claim(
    *, claim_token: str, member: Member, source: str = "claim", at: datetime | None = None
) -> Coupon:
    """A member claims a coupon by link or scan. Only claimable templates answer to a token;
    the claim limits are the template's `issue_limit` (in all) and `per_member_limit`."""
    template = (
        CouponTemplate.objects.select_related("offer")
        .filter(claim_token=claim_token[:32], claimable=True)
        .first()
        if claim_token
        else None
    )
    if template is None:
        raise NotFound("This coupon link is not valid.", code="coupon_claim_unknown")
    return _issue(template=template, member=member, source=source, at=at)


def _dedupe(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(int(i) for i in ids))


# `template_id + 0`: the count goes through the member's index only. With the template's index
# too (as the planner likes while a campaign's coupons are young and not yet analysed) every
# member's count scanned all of the template's coupons: quadratic in a fan-out (ADR 41).
_HELD_PG = (
    "SELECT m.id, (SELECT count(*) FROM promotions_coupon c WHERE c.member_id = m.id "
    "AND c.template_id + 0 = %s AND c.state <> 'void') FROM members_member m "
    "WHERE m.id = ANY(%s::bigint[]) AND m.status = 'active'"
)


def _active_and_held(template: CouponTemplate, ids: list[int]) -> tuple[set[int], dict[int, int]]:
    """The active members among `ids` and how many live coupons of `template` each holds (one
    query with the ids as one array on PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(_HELD_PG, [template.pk, ids])
            counts = {int(m): int(n) for m, n in cur.fetchall()}
        return set(counts), counts
    active = set(
        Member.objects.filter(pk__in=ids, status=Member.Status.ACTIVE).values_list("pk", flat=True)
    )
    held = dict(
        Coupon.objects.filter(template=template, member_id__in=active)
        .exclude(state=Coupon.State.VOID)
        .values("member_id")
        .annotate(n=Count("pk"))
        .values_list("member_id", "n")
    )
    return active, held


@transaction.atomic
def coupon_issue_bulk(
    *,
    template: CouponTemplate,
    member_ids: list[int],
    source: str = "bulk",
    max_members: int = BULK_MAX,
) -> IssueReport:
    """Issue one coupon to each member, reporting per member (not all-or-nothing): a member who
    is unknown or inactive, already at the per-member limit, or beyond the template's remaining
    issue limit gets a problem; everyone else gets a coupon, all in one transaction. A template
    that cannot be issued at all raises and writes nothing. Duplicate ids count once.
    `max_members` is for callers in the code that send larger batches (a campaign's fan-out);
    what a person or an integration sends stays within BULK_MAX."""
    if source not in ISSUE_SOURCES:
        raise ValidationFailed("Unknown coupon source.", code="coupon_source_invalid")
    ids = _dedupe(member_ids)
    if len(ids) > max_members:
        raise ValidationFailed(
            f"At most {max_members} members at a time.", code="coupon_bulk_too_large"
        )
    at = clock.now()
    locked = (
        CouponTemplate.objects.select_for_update(of=("self",), no_key=True)
        .select_related("offer")
        .get(pk=template.pk)
    )
    _check_issuable(locked, at)
    active, held = _active_and_held(locked, ids)
    room = None if locked.issue_limit is None else locked.issue_limit - locked.issued_count
    problems: list[IssueProblem] = []
    chosen: list[int] = []
    for member_id in ids:
        if member_id not in active:
            problems.append(IssueProblem(member_id, "member_not_found"))
        elif held.get(member_id, 0) >= locked.per_member_limit:
            problems.append(IssueProblem(member_id, "coupon_member_limit"))
        elif room is not None and len(chosen) >= room:
            problems.append(IssueProblem(member_id, "coupon_issue_limit_reached"))
        else:
            chosen.append(member_id)
    coupons = _bulk_create(locked, chosen, source, at)
    if chosen:
        _take_issue_slots(locked, len(chosen))
    template.refresh_from_db(fields=["issued_count"])
    return IssueReport(
        issued=tuple(coupons),
        problems=tuple(problems),
    )


def _bulk_create(
    template: CouponTemplate, member_ids: list[int], source: str, at: datetime
) -> list[IssuedCoupon]:
    if not member_ids:
        return []
    if connection.vendor == "postgresql":
        return _bulk_insert_pg(template, member_ids, source, at)
    valid_from, valid_until = coupon_validity(template=template, at=at)
    for _ in range(_CODE_ATTEMPTS):
        rows = [
            Coupon(
                template=template,
                member_id=member_id,
                code=new_coupon_code(),
                source=source,
                valid_from=valid_from,
                valid_until=valid_until,
                issued_at=at,
            )
            for member_id in member_ids
        ]
        try:
            with transaction.atomic():
                Coupon.objects.bulk_create(rows)
        except IntegrityError:
            continue  # a code collided: draw the whole batch again
        by_code = dict(
            Coupon.objects.filter(code__in=[r.code for r in rows]).values_list("code", "pk")
        )
        return [IssuedCoupon(r.member_id or 0, by_code[r.code], r.code) for r in rows]
    raise Conflict("No free coupon codes could be drawn.", code="coupon_code_exhausted")


_INSERT_PG = (  # noqa: S608 (the code expression is ours, values are parameters)
    "INSERT INTO promotions_coupon (template_id, member_id, code, state, source, valid_from, "
    "valid_until, issued_at, reservation_ref) "
    "SELECT %s, r.m, {code}, 'issued', %s, %s, %s, %s, '' FROM (SELECT u.m, u.n, "
    "uuid_send(gen_random_uuid()) AS a, uuid_send(gen_random_uuid()) AS b "
    "FROM unnest(%s::bigint[]) WITH ORDINALITY AS u(m, n)) r ORDER BY r.n "
    "RETURNING id, member_id, code"
).format(code=coupon_code_sql("r.a", "r.b").replace("%", "%%"))


def _bulk_insert_pg(
    template: CouponTemplate, member_ids: list[int], source: str, at: datetime
) -> list[IssuedCoupon]:
    """One INSERT ... SELECT over the ids with the codes drawn by PostgreSQL (ADR 41): nothing
    per coupon is built in Python. A collision (or a rejected draw) fails the statement in
    its savepoint and the chunk is drawn again."""
    valid_from, valid_until = coupon_validity(template=template, at=at)
    params: list[Any] = [template.pk, source, valid_from, valid_until, at, member_ids]
    for _ in range(_CODE_ATTEMPTS):
        try:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(_INSERT_PG, params)
                made = {int(m): (int(i), str(code)) for i, m, code in cur.fetchall()}
        except IntegrityError:
            continue
        return [IssuedCoupon(m, *made[m]) for m in member_ids]
    raise Conflict("No free coupon codes could be drawn.", code="coupon_code_exhausted")


def coupon_issue_by_member_codes(
    *, template: CouponTemplate, member_codes: list[str], source: str = "bulk"
) -> IssueReport:
    """`coupon_issue_bulk` for callers that know members by their card code (integrations).
    A merged member's code reaches the survivor; problems carry the code as given."""
    codes = list(dict.fromkeys(c.strip() for c in member_codes))
    if len(codes) > BULK_MAX:
        raise ValidationFailed(
            f"At most {BULK_MAX} members at a time.", code="coupon_bulk_too_large"
        )
    resolved: dict[str, int] = {}
    for m in Member.objects.filter(code__in=codes).select_related("merged_into"):
        target = m.merged_into if m.status == Member.Status.MERGED and m.merged_into else m
        resolved[m.code] = target.pk
    report = coupon_issue_bulk(
        template=template, member_ids=[resolved[c] for c in codes if c in resolved], source=source
    )
    reasons = {p.member_id: p.reason for p in report.problems}
    problems: list[IssueProblem] = []
    for code in codes:
        member_id = resolved.get(code)
        if member_id is None:
            problems.append(IssueProblem(None, "member_not_found", code))
        elif member_id in reasons:
            problems.append(IssueProblem(member_id, reasons[member_id], code))
    return IssueReport(issued=report.issued, problems=tuple(problems))


def coupons_welcome_issue(*, member: Member, at: datetime | None = None) -> list[Coupon]:
    """Give a new member one coupon of every active welcome template. Idempotent: a template
    that already gave this member a welcome coupon is skipped. A template that cannot issue
    (used up, expired) is skipped too: a join never fails for want of a coupon."""
    at = at or clock.now()
    issued: list[Coupon] = []
    templates = (
        CouponTemplate.objects.select_related("offer")
        .filter(welcome=True, active=True, code_kind=CouponTemplate.CodeKind.UNIQUE)
        .exclude(offer__status=Offer.Status.ENDED)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=at))
        .exclude(
            Exists(Coupon.objects.filter(template=OuterRef("pk"), member=member, source="welcome"))
        )
        .order_by("pk")
    )
    for template in templates:
        try:
            issued.append(_issue(template=template, member=member, source="welcome", at=at))
        except (Conflict, ValidationFailed, NotFound) as exc:
            log.info(
                "welcome coupon %s skipped for member %s: %s", template.pk, member.pk, exc.code
            )
    return issued


def coupons_merge(survivor: Member, merged: Member) -> int:
    """Merge handler: the merged member's coupons and redemptions follow the survivor."""
    moved = Coupon.objects.filter(member=merged).update(member=survivor)
    Redemption.objects.filter(member=merged).update(member=survivor)
    return moved


__all__ = [
    "BULK_MAX",
    "coupon_claim",
    "coupon_compensate",
    "coupon_issue",
    "coupon_issue_bulk",
    "coupon_issue_by_member_codes",
    "coupon_validity",
    "coupons_merge",
    "coupons_welcome_issue",
]
