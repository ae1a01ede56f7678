"""The checkout side of coupons after pricing: reservations with expiry, redemption when paid,
release on cancel, restore on return (candidates are in `coupons_check`).

Invariants (beaten by races in Saleor and Oscar, kept here by the database):
- a single-use coupon is redeemed at most once: one conditional UPDATE of its state, backed by
  the partial unique index of one live `Redemption` per coupon;
- a shared code is used at most `shared_code_limit` times: one conditional
  `UPDATE ... SET shared_code_used = shared_code_used + 1 WHERE shared_code_used < limit`;
- a member uses a shared code at most `per_member_limit` times: live redemptions are counted
  under the template's row lock;
- locks are taken in one order everywhere: templates by pk, then coupons by pk. Row locks are
  FOR NO KEY UPDATE, so inserting rows that merely point at a locked row (a redemption, a new
  coupon) never waits on them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q

from omniloop.core import clock, rows
from omniloop.core.errors import ValidationFailed
from omniloop.promotions.codes import normalize_code
from omniloop.promotions.coupon_values import CouponReason, RestoreReport, coupon_error
from omniloop.promotions.coupons_check import (
    codes_normalized,
    coupon_problem,
    guess_count,
    guess_guard,
    shared_problem,
)
from omniloop.promotions.models import Coupon, CouponTemplate, Redemption
from omniloop.promotions.money import to_yuan
from omniloop.promotions.values import Candidate

# --- Reservations -------------------------------------------------------------------------------


def _owner_q(member_id: int | None) -> Q:
    if member_id is None:
        return Q(member__isnull=True)
    return Q(member__isnull=True) | Q(member_id=member_id)


def _free_q(at: datetime, ref: str | None) -> Q:
    """Issued, or reserved by a checkout whose hold has lapsed, or held by this checkout."""
    free = Q(state=Coupon.State.ISSUED) | Q(state=Coupon.State.RESERVED, reserved_until__lte=at)
    if ref:
        free |= Q(state=Coupon.State.RESERVED, reservation_ref=ref)
    return free


def coupon_hold(
    *, coupon_id: int, member_id: int | None, ref: str, at: datetime, until: datetime
) -> bool:
    """Hold one single-use coupon for checkout `ref` until `until`, if it is free to this
    member at `at`: one conditional UPDATE. False when it is not (`coupon_refusal` says why)."""
    return bool(
        Coupon.objects.filter(pk=coupon_id)
        .filter(_owner_q(member_id))
        .filter(_free_q(at, ref))
        .update(state=Coupon.State.RESERVED, reservation_ref=ref, reserved_until=until)
    )


def coupon_refusal(coupon_id: int, *, member_id: int | None, at: datetime, ref: str | None) -> str:
    """After a conditional UPDATE matched nothing: the reason, from the row as it now is."""
    return _why(coupon_id, member_id=member_id, at=at, ref=ref)[0]


def _why(
    coupon_id: int, *, member_id: int | None, at: datetime, ref: str | None
) -> tuple[str, str]:
    coupon = Coupon.objects.select_related("template__offer").get(pk=coupon_id)
    reason = coupon_problem(coupon, member_id=member_id, at=at, reservation_ref=ref)
    return reason or CouponReason.ALREADY_REDEEMED, coupon.code


def _refusal(coupon_id: int, *, member_id: int | None, at: datetime, ref: str | None) -> Exception:
    reason, code = _why(coupon_id, member_id=member_id, at=at, ref=ref)
    return coupon_error(reason, code=code)


@transaction.atomic
def coupons_reserve(
    *,
    codes: list[str],
    member_id: int | None,
    ref: str,
    at: datetime,
    client_key: str | None = None,
) -> list[Coupon]:
    """Hold the presented single-use coupons for checkout `ref` until `at` + the template's
    `reserve_minutes`; a lapsed hold counts as free. Shared codes are not held (their limits are
    taken at payment) and are skipped. Re-reserving under the same ref extends the hold. Any
    unusable code raises its `coupon_*` error and nothing is held."""
    if not ref or len(ref) > 64:
        raise ValidationFailed(
            "A reservation needs a reference.", code="coupon_reservation_invalid"
        )
    guess_guard(client_key)
    wanted = codes_normalized(codes)
    coupons = list(
        Coupon.objects.filter(code__in=wanted).select_related("template__offer").order_by("pk")
    )
    found = {c.code for c in coupons}
    shared = set(
        CouponTemplate.objects.filter(
            shared_code__in=[c for c in wanted if c not in found]
        ).values_list("shared_code", flat=True)
    )
    for code in wanted:
        if code not in found and code not in shared:
            guess_count(client_key)
            raise coupon_error(CouponReason.UNKNOWN, code=code)
    for coupon in coupons:
        reason = coupon_problem(coupon, member_id=member_id, at=at, reservation_ref=ref)
        if reason is not None:
            raise coupon_error(reason, code=coupon.code)
    for coupon in coupons:  # pk order: the lock order
        until = at + timedelta(minutes=coupon.template.reserve_minutes)
        if not coupon_hold(coupon_id=coupon.pk, member_id=member_id, ref=ref, at=at, until=until):
            raise _refusal(coupon.pk, member_id=member_id, at=at, ref=ref)
    return list(Coupon.objects.filter(pk__in=[c.pk for c in coupons]).order_by("pk"))


def coupons_release(*, ref: str) -> int:
    """A checkout was cancelled: its held coupons are free again. Returns how many."""
    if not ref:
        return 0
    return Coupon.objects.filter(state=Coupon.State.RESERVED, reservation_ref=ref).update(
        state=Coupon.State.ISSUED, reservation_ref="", reserved_until=None
    )


def coupons_release_expired(*, at: datetime | None = None) -> int:
    """Housekeeping: holds that lapsed are released (they already count as free; this only
    tidies the wallet's view). Returns how many."""
    return Coupon.objects.filter(
        state=Coupon.State.RESERVED, reserved_until__lte=at or clock.now()
    ).update(state=Coupon.State.ISSUED, reservation_ref="", reserved_until=None)


# --- Redemption ---------------------------------------------------------------------------------


def _redeem_shared(
    templates: list[tuple[CouponTemplate, str, int]],
    *,
    member_id: int | None,
    order_id: int,
    at: datetime,
) -> None:
    pending: dict[int, int] = {}
    for template, code, fen in templates:
        reason = shared_problem(
            template, member_id=member_id, at=at, pending=pending.get(template.pk, 0)
        )
        # The limit itself is taken by the conditional UPDATE below, not by this read.
        if reason is not None and reason != CouponReason.LIMIT_REACHED:
            raise coupon_error(reason, code=code)
        room = Q(shared_code_limit__isnull=True) | Q(shared_code_used__lt=F("shared_code_limit"))
        if (
            not CouponTemplate.objects.filter(pk=template.pk)
            .filter(room)
            .update(shared_code_used=F("shared_code_used") + 1)
        ):
            raise coupon_error(CouponReason.LIMIT_REACHED, code=code)
        template.shared_code_used += 1
        pending[template.pk] = pending.get(template.pk, 0) + 1
        Redemption.objects.create(
            template=template,
            coupon=None,
            member_id=member_id,
            order_id=order_id,
            discount=to_yuan(fen),
            redeemed_at=at,
        )


_C, _R = Coupon._meta.db_table, Redemption._meta.db_table
# One conditional UPDATE takes the coupon: the member's or a bearer coupon, free (issued, or held
# by a lapsed checkout) and valid now, or held by this very checkout: `_owner_q` and `_free_q` in
# SQL (the reservation path keeps the ORM form; change both together). READ COMMITTED re-checks it
# on the newest row version, so a coupon is redeemed once whatever the concurrency.
_TAKE_SINGLE = f"""
UPDATE {_C} SET state = '{Coupon.State.REDEEMED}', order_id = %s, redeemed_at = %s,
    reserved_until = NULL, reservation_ref = ''
WHERE id = %s AND (member_id IS NULL OR member_id = %s) AND (
    ((state = '{Coupon.State.ISSUED}'
      OR (state = '{Coupon.State.RESERVED}' AND reserved_until <= %s))
     AND valid_from <= %s AND (valid_until IS NULL OR valid_until > %s))
    OR (state = '{Coupon.State.RESERVED}' AND reservation_ref = %s))
RETURNING template_id
"""  # noqa: S608 (table names and states from the models, values as parameters)
# The unique index on live redemptions is the second guard: a conflict returns no row.
_RECORD_SINGLE = f"""
INSERT INTO {_R} (template_id, coupon_id, member_id, order_id, discount, redeemed_at)
VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING id
"""  # noqa: S608


def _redeem_single(
    coupon_id: int,
    fen: int,
    *,
    member_id: int | None,
    order_id: int,
    ref: str | None,
    at: datetime,
) -> None:
    # Every till sale with a coupon: two fixed statements, no savepoint (core.rows, ADR 12).
    now = connection.ops.adapt_datetimefield_value(at)
    cursor = rows.cursor()
    cursor.execute(_TAKE_SINGLE, [order_id, now, coupon_id, member_id, now, now, now, ref or None])
    taken = cursor.fetchone()
    if taken is None:
        raise _refusal(coupon_id, member_id=member_id, at=at, ref=ref)
    discount = connection.ops.adapt_decimalfield_value(to_yuan(fen), 10, 2)
    cursor.execute(_RECORD_SINGLE, [taken[0], coupon_id, member_id, order_id, discount, now])
    if cursor.fetchone() is None:
        raise coupon_error(CouponReason.ALREADY_REDEEMED)


def coupons_redeem(
    *,
    used: list[tuple[Candidate, int]],
    member_id: int | None,
    order_id: int,
    reservation_ref: str | None = None,
    at: datetime,
    savepoint: bool = True,
) -> None:
    """Record the coupons a paid order used, each with the discount (fen) it gave. Call inside
    the order's transaction: on any refusal this raises a `Conflict` with the reason's code
    (`coupon_already_redeemed`, `coupon_limit_reached`, `coupon_member_limit`, ...) and its
    writes are rolled back (in a savepoint, so a caller may go on; `savepoint=False` only for
    a caller whose whole transaction rolls back on any failure, the till sale). A coupon held
    under `reservation_ref` is honoured even if its hold or validity lapsed while the shopper
    paid."""
    with transaction.atomic(savepoint=savepoint):
        _coupons_redeem(used, member_id=member_id, order_id=order_id, ref=reservation_ref, at=at)


def _coupons_redeem(
    used: list[tuple[Candidate, int]],
    *,
    member_id: int | None,
    order_id: int,
    ref: str | None,
    at: datetime,
) -> None:
    singles: dict[int, int] = {}
    shared_uses: list[tuple[str, int]] = []
    for candidate, fen in used:
        if fen < 0:
            raise ValidationFailed("A discount cannot be negative.", code="coupon_discount_invalid")
        if candidate.coupon_id is not None:
            if candidate.coupon_id in singles:
                raise coupon_error(CouponReason.ALREADY_REDEEMED, code=candidate.code or "")
            singles[candidate.coupon_id] = fen
        elif candidate.code:
            shared_uses.append((normalize_code(candidate.code), fen))
        else:
            raise ValidationFailed("Not a coupon candidate.", code="coupon_candidate_invalid")
    locked = (
        {
            t.shared_code: t
            for t in CouponTemplate.objects.select_for_update(of=("self",), no_key=True)
            .select_related("offer")
            .filter(shared_code__in=[code for code, _ in shared_uses])
            .order_by("pk")
        }
        if shared_uses
        else {}
    )
    for code, _ in shared_uses:
        if code not in locked:
            raise coupon_error(CouponReason.UNKNOWN, code=code)
    ordered = sorted(
        ((locked[code], code, fen) for code, fen in shared_uses), key=lambda item: item[0].pk
    )
    _redeem_shared(ordered, member_id=member_id, order_id=order_id, at=at)
    for coupon_id in sorted(singles):
        _redeem_single(
            coupon_id,
            singles[coupon_id],
            member_id=member_id,
            order_id=order_id,
            ref=ref,
            at=at,
        )


@transaction.atomic
def coupons_restore_for_order(
    *, order_id: int, at: datetime, always: bool = False
) -> RestoreReport:
    """A fully returned order gives its coupon uses back where the template says
    `restore_on_return` (an order cancelled before fulfilment, `always`, gives every use back:
    the shopper got nothing for it): the redemption is reversed and the single-use coupon is
    issued again (its own validity unchanged) or the shared code's use is returned. Where the
    template does not restore, the use stands: the coupon stays redeemed and its redemption
    live, so per-member counts still see it. Idempotent: a second call changes nothing."""
    live = list(
        Redemption.objects.filter(order_id=order_id, reversed_at__isnull=True).select_related(
            "template"
        )
    )
    restore = [r for r in live if always or r.template.restore_on_return]
    template_ids = sorted({r.template_id for r in restore if r.coupon_id is None})
    list(
        CouponTemplate.objects.select_for_update(no_key=True)
        .filter(pk__in=template_ids)
        .order_by("pk")
    )
    coupon_ids = sorted(r.coupon_id for r in restore if r.coupon_id is not None)
    list(Coupon.objects.select_for_update(no_key=True).filter(pk__in=coupon_ids).order_by("pk"))
    restored = 0
    for r in sorted(restore, key=lambda r: (r.template_id, r.coupon_id or 0, r.pk)):
        if not Redemption.objects.filter(pk=r.pk, reversed_at__isnull=True).update(reversed_at=at):
            continue  # reversed meanwhile by a concurrent call
        if r.coupon_id is not None:
            Coupon.objects.filter(
                pk=r.coupon_id, state=Coupon.State.REDEEMED, order_id=order_id
            ).update(state=Coupon.State.ISSUED, order=None, redeemed_at=None)
        else:
            CouponTemplate.objects.filter(pk=r.template_id, shared_code_used__gt=0).update(
                shared_code_used=F("shared_code_used") - 1
            )
        restored += 1
    return RestoreReport(restored=restored, kept=len(live) - len(restore))
