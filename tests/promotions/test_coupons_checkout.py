"""The checkout side of coupons: candidates and their problem codes, guessing protection,
reservations, redemption, release and restore. Refusals write nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from omniloop.core import clock
from omniloop.core.errors import ApplicationError, Conflict, NotFound, RateLimited
from omniloop.promotions.codes import display_code, normalize_code
from omniloop.promotions.coupons import (
    coupon_candidates,
    coupon_issue,
    coupons_redeem,
    coupons_release,
    coupons_release_expired,
    coupons_reserve,
    coupons_restore_for_order,
)
from omniloop.promotions.engine import price_basket
from omniloop.promotions.models import Coupon, CouponTemplate, Offer, Redemption
from omniloop.promotions.values import LineIn, PricingContext
from tests.factories import make_member
from tests.promotions.coupon_helpers import (
    make_order,
    make_shared,
    make_template,
    shared,
    single,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return make_member()


@pytest.fixture
def coupon(member):
    return coupon_issue(template=make_template(), member=member, source="manual")


def _state() -> tuple:
    return (
        list(
            Coupon.objects.order_by("pk").values_list(
                "pk", "state", "order_id", "reservation_ref", "reserved_until"
            )
        ),
        list(Redemption.objects.order_by("pk").values_list("pk", "reversed_at")),
        list(CouponTemplate.objects.order_by("pk").values_list("pk", "shared_code_used")),
    )


def _refused(error: str, fn, exc_type: type[ApplicationError] = Conflict, **kw) -> None:
    before = _state()
    with pytest.raises(exc_type) as info:
        fn(**kw)
    assert info.value.code == error
    assert _state() == before


def _reasons(codes: list[str], member_id: int | None, **kw) -> list[tuple[str, str]]:
    _, problems = coupon_candidates(
        codes=codes, member_id=member_id, at=kw.pop("at", clock.now()), **kw
    )
    return [(p.code, p.reason) for p in problems]


# --- Codes ---------------------------------------------------------------------------------------


def test_typed_codes_are_normalised():
    assert normalize_code(" k7mp-q2xr 9whd ") == "K7MPQ2XR9WHD"
    assert normalize_code("ｓｐｒｉｎｇ５０") == "SPRING50"  # full-width, from a Chinese keyboard
    assert display_code("K7MPQ2XR9WHD") == "K7MP-Q2XR-9WHD"
    assert display_code("SPRING50") == "SPRING50"
    assert len(normalize_code("A" * 100)) == 33  # never matches a 32-character column


# --- Candidates ----------------------------------------------------------------------------------


def test_a_valid_coupon_becomes_a_candidate_with_the_offers_rule(member, coupon):
    typed = display_code(coupon.code).lower()
    candidates, problems = coupon_candidates(
        codes=[typed, typed], member_id=member.pk, at=clock.now()
    )
    assert problems == []
    [c] = candidates
    assert (c.coupon_id, c.code) == (coupon.pk, coupon.code)
    assert c.rule.id == coupon.template.offer_id
    assert c.rule.coupon_only is True
    assert c.rule.params == {"amount": 5000, "min_spend": 30000}


def test_a_coupon_offers_scope_is_read_once_per_index_and_again_after_an_edit(member, coupon):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from omniloop.catalog.models import Product
    from tests.factories import make_product

    def scope_reads() -> int:
        with CaptureQueriesContext(connection) as ctx:
            [c], _ = coupon_candidates(codes=[coupon.code], member_id=member.pk, at=clock.now())
        return sum('JOIN "promotions_offer_products"' in q["sql"] for q in ctx.captured_queries), c

    first, _ = scope_reads()
    again, rule = scope_reads()
    assert (first, again) == (1, 0)
    assert rule.rule.product_ids == frozenset()
    product = make_product()
    Offer.objects.get(pk=coupon.template.offer_id).products.add(Product.objects.get(pk=product.pk))
    after_edit, rule = scope_reads()
    assert after_edit == 1 and rule.rule.product_ids == frozenset({product.pk})


def test_each_problem_has_its_own_code(member, coupon):
    now = clock.now()
    other = make_member()
    assert _reasons(["NOSUCHCODE"], member.pk) == [("NOSUCHCODE", "coupon_unknown")]
    assert _reasons([coupon.code], other.pk) == [(coupon.code, "coupon_not_yours")]
    assert _reasons([coupon.code], None) == [(coupon.code, "coupon_not_yours")]
    later = coupon.valid_until + timedelta(seconds=1)
    assert _reasons([coupon.code], member.pk, at=later) == [(coupon.code, "coupon_expired")]
    earlier = coupon.valid_from - timedelta(seconds=1)
    assert _reasons([coupon.code], member.pk, at=earlier) == [(coupon.code, "coupon_not_started")]
    Offer.objects.filter(pk=coupon.template.offer_id).update(status=Offer.Status.PAUSED)
    assert _reasons([coupon.code], member.pk) == [(coupon.code, "coupon_inactive")]
    Offer.objects.filter(pk=coupon.template.offer_id).update(status=Offer.Status.ACTIVE)
    # A deactivated template stops issuing; the coupons it issued stay valid.
    CouponTemplate.objects.filter(pk=coupon.template_id).update(active=False)
    assert _reasons([coupon.code], member.pk) == []
    CouponTemplate.objects.filter(pk=coupon.template_id).update(active=True)
    Coupon.objects.filter(pk=coupon.pk).update(state=Coupon.State.VOID)
    assert _reasons([coupon.code], member.pk) == [(coupon.code, "coupon_inactive")]
    Coupon.objects.filter(pk=coupon.pk).update(state=Coupon.State.REDEEMED)
    assert _reasons([coupon.code], member.pk) == [(coupon.code, "coupon_already_redeemed")]
    Coupon.objects.filter(pk=coupon.pk).update(
        state=Coupon.State.RESERVED, reservation_ref="cart-1", reserved_until=now + timedelta(1)
    )
    assert _reasons([coupon.code], member.pk) == [(coupon.code, "coupon_reserved")]
    assert _reasons([coupon.code], member.pk, reservation_ref="cart-1") == []
    assert _reasons([coupon.code], member.pk, at=now + timedelta(days=2)) == []


def test_a_bearer_coupon_is_anyones(coupon):
    Coupon.objects.filter(pk=coupon.pk).update(member=None)
    assert _reasons([coupon.code], None) == []
    assert _reasons([coupon.code], make_member().pk) == []


def test_shared_code_problems(member):
    t = make_shared("SPRING50", shared_code_limit=2, per_member_limit=1)
    now = clock.now()
    assert _reasons(["spring-50"], member.pk) == []
    assert _reasons(["SPRING50"], member.pk, at=t.valid_until) == [("SPRING50", "coupon_expired")]
    CouponTemplate.objects.filter(pk=t.pk).update(valid_from=now + timedelta(hours=1))
    assert _reasons(["SPRING50"], member.pk) == [("SPRING50", "coupon_not_started")]
    CouponTemplate.objects.filter(pk=t.pk).update(valid_from=None)
    coupons_redeem(
        used=[(shared("SPRING50"), 100)], member_id=member.pk, order_id=make_order().pk, at=now
    )
    assert _reasons(["SPRING50"], member.pk) == [("SPRING50", "coupon_member_limit")]
    assert _reasons(["SPRING50"], None) == []  # no member: only the overall limit counts
    CouponTemplate.objects.filter(pk=t.pk).update(shared_code_used=2)
    assert _reasons(["SPRING50"], make_member().pk) == [("SPRING50", "coupon_limit_reached")]
    CouponTemplate.objects.filter(pk=t.pk).update(active=False)
    assert _reasons(["SPRING50"], member.pk) == [("SPRING50", "coupon_inactive")]


def test_candidates_price_through_the_engine(member, coupon):
    make_shared("TENOFF")
    candidates, problems = coupon_candidates(
        codes=[coupon.code, "tenoff"], member_id=member.pk, at=clock.now()
    )
    assert problems == []
    line = LineIn(sku_id=1, product_id=1, category_ids=frozenset(), quantity=1, unit_price=39900)
    ctx = PricingContext(
        channel="store-till",
        store_id=1,
        member_id=member.pk,
        tier="standard",
        local_now=clock.now(),
    )
    quote = price_basket([line], candidates, ctx)
    assert quote.rejected == ()
    assert quote.discount == 10000  # the single-use coupon and the shared code, ¥50 each
    assert {a.coupon_id for a in quote.applied} == {coupon.pk, None}


def test_too_many_codes_are_refused(member):
    with pytest.raises(ApplicationError) as info:
        coupon_candidates(codes=["X"] * 21, member_id=member.pk, at=clock.now())
    assert info.value.code == "coupon_too_many_codes"


def test_guessing_is_rate_limited_per_client_and_then_answers_nothing(member, coupon):
    for i in range(10):
        assert _reasons([f"GUESS{i:04d}"], member.pk, client_key="1.2.3.4")[0][1] == (
            "coupon_unknown"
        )
    with pytest.raises(RateLimited) as info:
        _reasons(["GUESS9999"], member.pk, client_key="1.2.3.4")
    assert info.value.code == "coupon_guess_rate_limited"
    assert info.value.retry_after > 0
    # Blocked clients get no answer for a real code either: no oracle.
    with pytest.raises(RateLimited):
        _reasons([coupon.code], member.pk, client_key="1.2.3.4")
    assert _reasons([coupon.code], member.pk, client_key="5.6.7.8") == []
    assert _reasons(["GUESS9999"], member.pk) == [("GUESS9999", "coupon_unknown")]


def test_known_codes_do_not_count_as_guesses(member, coupon):
    for _ in range(15):
        assert _reasons([coupon.code], member.pk, client_key="till-1") == []


# --- Reservations --------------------------------------------------------------------------------


def test_reserve_holds_until_expiry_for_one_checkout(member, coupon):
    make_shared("SPRING50")
    now = clock.now()
    [held] = coupons_reserve(codes=[coupon.code, "spring50"], member_id=member.pk, ref="A", at=now)
    assert held.state == Coupon.State.RESERVED
    assert held.reserved_until == now + timedelta(minutes=15)
    _refused(
        "coupon_reserved",
        coupons_reserve,
        codes=[coupon.code],
        member_id=member.pk,
        ref="B",
        at=now,
    )
    [again] = coupons_reserve(
        codes=[coupon.code], member_id=member.pk, ref="A", at=now + timedelta(minutes=5)
    )
    assert again.reserved_until == now + timedelta(minutes=20)
    later = now + timedelta(minutes=21)
    [taken] = coupons_reserve(codes=[coupon.code], member_id=member.pk, ref="B", at=later)
    assert taken.reservation_ref == "B"


def test_reserve_refusals_hold_nothing(member, coupon):
    other = coupon_issue(template=make_template(), member=make_member(), source="manual")
    now = clock.now()
    _refused(
        "coupon_not_yours",
        coupons_reserve,
        codes=[coupon.code, other.code],
        member_id=member.pk,
        ref="A",
        at=now,
    )
    _refused(
        "coupon_unknown",
        coupons_reserve,
        exc_type=NotFound,
        codes=[coupon.code, "NOPE1234"],
        member_id=member.pk,
        ref="A",
        at=now,
    )
    _refused(
        "coupon_reservation_invalid",
        coupons_reserve,
        exc_type=ApplicationError,
        codes=[coupon.code],
        member_id=member.pk,
        ref="",
        at=now,
    )


def test_release_and_release_expired(member, coupon):
    now = clock.now()
    coupons_reserve(codes=[coupon.code], member_id=member.pk, ref="A", at=now)
    assert coupons_release(ref="B") == 0
    assert coupons_release(ref="A") == 1
    coupon.refresh_from_db()
    assert (coupon.state, coupon.reservation_ref, coupon.reserved_until) == ("issued", "", None)
    coupons_reserve(codes=[coupon.code], member_id=member.pk, ref="A", at=now)
    assert coupons_release_expired(at=now + timedelta(minutes=14)) == 0
    Coupon.objects.filter(pk=coupon.pk).update(reserved_until=now - timedelta(seconds=1))
    out = StringIO()
    call_command("coupons_release_expired", stdout=out)
    assert "Released 1" in out.getvalue()
    coupon.refresh_from_db()
    assert coupon.state == Coupon.State.ISSUED


# --- Redemption ----------------------------------------------------------------------------------


def test_redeem_a_single_use_coupon_once(member, coupon):
    order, now = make_order(member.pk), clock.now()
    coupons_redeem(used=[(single(coupon.pk), 5000)], member_id=member.pk, order_id=order.pk, at=now)
    coupon.refresh_from_db()
    assert (coupon.state, coupon.order_id, coupon.redeemed_at) == ("redeemed", order.pk, now)
    [r] = Redemption.objects.all()
    assert (r.coupon_id, r.template_id, r.member_id, r.order_id, r.discount) == (
        coupon.pk,
        coupon.template_id,
        member.pk,
        order.pk,
        Decimal("50.00"),
    )
    _refused(
        "coupon_already_redeemed",
        coupons_redeem,
        used=[(single(coupon.pk), 5000)],
        member_id=member.pk,
        order_id=make_order(member.pk).pk,
        at=now,
    )


def test_redeem_refusals(member, coupon):
    now = clock.now()
    order = make_order(member.pk)

    def redeem(**kw):
        return coupons_redeem(
            used=[(single(coupon.pk), 5000)], order_id=order.pk, **{"at": now, **kw}
        )

    _refused("coupon_not_yours", redeem, member_id=make_member().pk)
    _refused("coupon_expired", redeem, member_id=member.pk, at=coupon.valid_until)
    coupons_reserve(codes=[coupon.code], member_id=member.pk, ref="other", at=now)
    _refused("coupon_reserved", redeem, member_id=member.pk)
    _refused(
        "coupon_already_redeemed",
        coupons_redeem,
        used=[(single(coupon.pk), 1), (single(coupon.pk), 1)],
        member_id=member.pk,
        order_id=order.pk,
        at=now,
    )


def test_a_held_coupon_is_honoured_for_its_checkout_even_after_it_lapsed(member, coupon):
    now = clock.now()
    coupons_reserve(codes=[coupon.code], member_id=member.pk, ref="cart-9", at=now)
    paid_at = coupon.valid_until + timedelta(minutes=1)
    coupons_redeem(
        used=[(single(coupon.pk), 5000)],
        member_id=member.pk,
        order_id=make_order(member.pk).pk,
        reservation_ref="cart-9",
        at=paid_at,
    )
    coupon.refresh_from_db()
    assert (coupon.state, coupon.reservation_ref) == ("redeemed", "")


def test_redeem_shared_codes_under_the_overall_and_per_member_limits(member):
    t = make_shared("SPRING50", shared_code_limit=3, per_member_limit=2)
    now = clock.now()

    def use(member_id, n=1):
        return coupons_redeem(
            used=[(shared("spring50"), 5000)] * n,
            member_id=member_id,
            order_id=make_order(member_id).pk,
            at=now,
        )

    use(member.pk)
    _refused("coupon_member_limit", use, member_id=member.pk, n=2)
    use(member.pk)
    _refused("coupon_member_limit", use, member_id=member.pk)
    use(None)
    _refused("coupon_limit_reached", use, member_id=None)
    t.refresh_from_db()
    assert t.shared_code_used == 3
    assert Redemption.objects.filter(template=t, coupon=None).count() == 3


def test_a_failed_redemption_rolls_back_the_others(member, coupon):
    t = make_shared("SPRING50", shared_code_limit=5)
    Coupon.objects.filter(pk=coupon.pk).update(state=Coupon.State.REDEEMED)
    _refused(
        "coupon_already_redeemed",
        coupons_redeem,
        used=[(shared("SPRING50"), 100), (single(coupon.pk), 100)],
        member_id=member.pk,
        order_id=make_order(member.pk).pk,
        at=clock.now(),
    )
    t.refresh_from_db()
    assert t.shared_code_used == 0


def test_redeem_refuses_unknown_shared_codes_and_bad_input(member):
    order = make_order(member.pk)
    _refused(
        "coupon_unknown",
        coupons_redeem,
        exc_type=NotFound,
        used=[(shared("NOPE"), 1)],
        member_id=member.pk,
        order_id=order.pk,
        at=clock.now(),
    )
    _refused(
        "coupon_discount_invalid",
        coupons_redeem,
        exc_type=ApplicationError,
        used=[(shared("NOPE"), -1)],
        member_id=member.pk,
        order_id=order.pk,
        at=clock.now(),
    )


# --- Restore on return ---------------------------------------------------------------------------


def test_restore_on_return_gives_uses_back_where_the_template_says(member):
    restoring = coupon_issue(template=make_template(), member=member, source="manual")
    final = coupon_issue(
        template=make_template(restore_on_return=False), member=member, source="manual"
    )
    now = clock.now()
    t = make_shared("SPRING50", shared_code_limit=1, per_member_limit=1)
    order = make_order(member.pk)
    coupons_redeem(
        used=[(single(restoring.pk), 100), (single(final.pk), 100), (shared("SPRING50"), 100)],
        member_id=member.pk,
        order_id=order.pk,
        at=now,
    )
    report = coupons_restore_for_order(order_id=order.pk, at=now + timedelta(days=1))
    assert (report.restored, report.kept) == (2, 1)
    restoring.refresh_from_db()
    final.refresh_from_db()
    t.refresh_from_db()
    assert (restoring.state, restoring.order_id) == ("issued", None)
    assert (final.state, final.order_id) == ("redeemed", order.pk)
    assert t.shared_code_used == 0
    assert Redemption.objects.filter(reversed_at__isnull=True).get().coupon_id == final.pk
    assert _reasons([restoring.code, "SPRING50"], member.pk) == []
    assert coupons_restore_for_order(order_id=order.pk, at=now).restored == 0
    # The restored coupon can be used again.
    coupons_redeem(
        used=[(single(restoring.pk), 100)],
        member_id=member.pk,
        order_id=make_order(member.pk).pk,
        at=now,
    )
