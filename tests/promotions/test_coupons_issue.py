"""Coupon templates and issuing: one member, bulk, claim, compensation, welcome on join, merge.
Every refusal has its own code and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.core import clock
from omniloop.core.errors import ApplicationError, Conflict, NotFound, ValidationFailed
from omniloop.members.models import Member
from omniloop.members.services import member_merge
from omniloop.promotions.codes import ALPHABET, CODE_LENGTH
from omniloop.promotions.coupons import (
    coupon_claim,
    coupon_compensate,
    coupon_issue,
    coupon_issue_bulk,
    coupon_template_create,
)
from omniloop.promotions.models import Coupon, CouponTemplate, Offer
from omniloop.promotions.selectors import coupon_template_counts, member_wallet
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer, make_shared, make_template

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    return (
        Coupon.objects.count(),
        list(CouponTemplate.objects.order_by("pk").values_list("pk", "issued_count")),
    )


def _refused(exc_type: type[ApplicationError], error: str, fn, **kw) -> None:
    before = _state()
    with pytest.raises(exc_type) as info:
        fn(**kw)
    assert info.value.code == error
    assert _state() == before


# --- Templates -----------------------------------------------------------------------------------


def test_template_create_keeps_counters_at_zero_and_makes_claim_tokens():
    t = make_template(claimable=True, issue_limit=100, per_member_limit=2)
    assert (t.issued_count, t.shared_code_used) == (0, 0)
    assert t.claim_token and len(t.claim_token) >= 20
    assert make_template().claim_token is None
    s = make_shared(" spring-50 ", shared_code_limit=7)
    assert s.shared_code == "SPRING50"
    assert s.claim_token is None


@pytest.mark.parametrize(
    ("kw", "exc", "code"),
    [
        ({"name": " "}, ValidationFailed, "coupon_name_invalid"),
        ({"code_kind": "magic"}, ValidationFailed, "coupon_code_kind_invalid"),
        ({"valid_days": None}, ValidationFailed, "coupon_validity_required"),
        ({"valid_days": 0}, ValidationFailed, "coupon_validity_invalid"),
        ({"per_member_limit": 0}, ValidationFailed, "coupon_limit_invalid"),
        ({"issue_limit": 0}, ValidationFailed, "coupon_limit_invalid"),
        ({"reserve_minutes": 0}, ValidationFailed, "coupon_reserve_minutes_invalid"),
        (
            {"code_kind": "shared", "valid_days": None, "valid_until": clock.now()},
            ValidationFailed,
            "coupon_shared_code_required",
        ),
        ({"shared_code": "ABCD"}, ValidationFailed, "coupon_shared_code_unexpected"),
        ({"shared_code_limit": 5}, ValidationFailed, "coupon_shared_code_unexpected"),
    ],
)
def test_template_create_refusals(kw, exc, code):
    offer = make_offer()
    _refused(exc, code, coupon_template_create, offer=offer, **{"name": "t", "valid_days": 7, **kw})


def test_template_validity_window_must_be_ordered_and_aware():
    offer = make_offer()
    now = clock.now()
    for kw in (
        {"valid_from": now, "valid_until": now},
        {"valid_until": now.replace(tzinfo=None)},
    ):
        _refused(
            ValidationFailed,
            "coupon_validity_invalid",
            coupon_template_create,
            offer=offer,
            name="t",
            **kw,
        )


def test_template_needs_a_coupon_only_offer_that_has_not_ended():
    _refused(
        ValidationFailed,
        "coupon_offer_not_coupon_only",
        coupon_template_create,
        offer=make_offer(coupon_only=False),
        name="t",
        valid_days=7,
    )
    _refused(
        ValidationFailed,
        "coupon_offer_ended",
        coupon_template_create,
        offer=make_offer(status=Offer.Status.ENDED),
        name="t",
        valid_days=7,
    )


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"shared_code": "AB"}, "coupon_shared_code_invalid"),
        ({"shared_code": "满减码"}, "coupon_shared_code_invalid"),
        ({"claimable": True}, "coupon_shared_not_issuable"),
        ({"welcome": True}, "coupon_shared_not_issuable"),
        ({"issue_limit": 10}, "coupon_shared_not_issuable"),
        ({"valid_days": 7}, "coupon_validity_invalid"),
    ],
)
def test_shared_template_refusals(kw, code):
    _refused(ValidationFailed, code, make_shared, **kw)


def test_shared_codes_are_unique_across_templates_and_coupons():
    make_shared("SPRING50")
    _refused(Conflict, "coupon_shared_code_taken", make_shared, code="spring 50")
    coupon = coupon_issue(template=make_template(), member=make_member(), source="manual")
    _refused(Conflict, "coupon_shared_code_taken", make_shared, code=coupon.code)


# --- Issue ---------------------------------------------------------------------------------------


def test_issue_gives_a_fresh_unguessable_code_valid_for_n_days():
    template = make_template(valid_days=7)
    member = make_member()
    with freeze_time("2026-05-01 02:00:00+00:00"):
        coupon = coupon_issue(template=template, member=member, source="manual")
    assert coupon.member == member
    assert coupon.state == Coupon.State.ISSUED
    assert coupon.source == "manual"
    assert len(coupon.code) == CODE_LENGTH
    assert set(coupon.code) <= set(ALPHABET)
    assert coupon.code[0].isalpha()
    assert coupon.valid_until - coupon.valid_from == timedelta(days=7)
    template.refresh_from_db()
    assert template.issued_count == 1


def test_issue_in_a_fixed_window_and_days_capped_by_the_window():
    now = clock.now()
    start, end = now + timedelta(days=2), now + timedelta(days=5)
    fixed = make_template(valid_days=None, valid_from=start, valid_until=end)
    coupon = coupon_issue(template=fixed, member=make_member(), source="manual")
    assert (coupon.valid_from, coupon.valid_until) == (start, end)
    capped = make_template(valid_days=30, valid_until=end)
    coupon = coupon_issue(template=capped, member=make_member(), source="manual")
    assert coupon.valid_until == end


def test_issue_respects_the_issue_limit_and_the_per_member_limit():
    template = make_template(issue_limit=2, per_member_limit=1)
    a, b, c = make_member(), make_member(), make_member()
    coupon_issue(template=template, member=a, source="manual")
    _refused(
        Conflict, "coupon_member_limit", coupon_issue, template=template, member=a, source="manual"
    )
    coupon_issue(template=template, member=b, source="manual")
    _refused(
        Conflict,
        "coupon_issue_limit_reached",
        coupon_issue,
        template=template,
        member=c,
        source="manual",
    )


def test_void_coupons_do_not_count_against_the_member_limit():
    template = make_template(per_member_limit=1)
    member = make_member()
    first = coupon_issue(template=template, member=member, source="manual")
    Coupon.objects.filter(pk=first.pk).update(state=Coupon.State.VOID)
    coupon_issue(template=template, member=member, source="manual")


@pytest.mark.parametrize(
    ("setup", "exc", "code"),
    [
        (lambda t: CouponTemplate.objects.filter(pk=t.pk).update(active=False), Conflict,
         "coupon_template_inactive"),
        (lambda t: Offer.objects.filter(pk=t.offer_id).update(status="ended"), Conflict,
         "coupon_template_inactive"),
        (lambda t: CouponTemplate.objects.filter(pk=t.pk).update(
            valid_until=clock.now() - timedelta(seconds=1)), Conflict, "coupon_template_expired"),
    ],
)  # fmt: skip
def test_issue_refuses_templates_that_no_longer_issue(setup, exc, code):
    template = make_template()
    setup(template)
    template = CouponTemplate.objects.get(pk=template.pk)
    _refused(exc, code, coupon_issue, template=template, member=make_member(), source="manual")


def test_a_stale_template_object_cannot_issue_after_deactivation():
    template = make_template()
    CouponTemplate.objects.filter(pk=template.pk).update(active=False)
    _refused(
        Conflict,
        "coupon_template_inactive",
        coupon_issue,
        template=template,
        member=make_member(),
        source="manual",
    )


def test_issue_refuses_shared_templates_unknown_sources_and_inactive_members():
    member = make_member()
    _refused(
        ValidationFailed,
        "coupon_template_shared",
        coupon_issue,
        template=make_shared(),
        member=member,
        source="manual",
    )
    _refused(
        ValidationFailed,
        "coupon_source_invalid",
        coupon_issue,
        template=make_template(),
        member=member,
        source="raffle_ticket",  # not a source we issue under
    )
    Member.objects.filter(pk=member.pk).update(status=Member.Status.ERASED)
    member.refresh_from_db()
    _refused(
        NotFound,
        "member_not_found",
        coupon_issue,
        template=make_template(),
        member=member,
        source="manual",
    )


def test_compensation_ignores_the_member_limit_but_not_the_issue_limit():
    template = make_template(per_member_limit=1, issue_limit=2)
    member = make_member()
    coupon_issue(template=template, member=member, source="manual")
    comp = coupon_compensate(template=template, member=member)
    assert comp.source == "compensation"
    _refused(
        Conflict, "coupon_issue_limit_reached", coupon_compensate, template=template, member=member
    )


# --- Bulk ----------------------------------------------------------------------------------------


def test_bulk_issue_reports_per_member():
    template = make_template(issue_limit=3, per_member_limit=1)
    has_one, a, b, c = make_member(), make_member(), make_member(), make_member()
    erased = make_member()
    Member.objects.filter(pk=erased.pk).update(status=Member.Status.ERASED)
    coupon_issue(template=template, member=has_one, source="manual")
    report = coupon_issue_bulk(
        template=template,
        member_ids=[a.pk, has_one.pk, a.pk, 999_999, erased.pk, b.pk, c.pk],
        source="bulk",
    )
    assert [i.member_id for i in report.issued] == [a.pk, b.pk]
    assert {(p.member_id, p.reason) for p in report.problems} == {
        (has_one.pk, "coupon_member_limit"),
        (999_999, "member_not_found"),
        (erased.pk, "member_not_found"),
        (c.pk, "coupon_issue_limit_reached"),
    }
    assert len({i.code for i in report.issued}) == 2
    assert all(Coupon.objects.get(pk=i.coupon_id).code == i.code and i.code for i in report.issued)
    template.refresh_from_db()
    assert template.issued_count == 3


def test_bulk_issue_refusals_write_nothing():
    member = make_member()
    _refused(
        ValidationFailed,
        "coupon_bulk_too_large",
        coupon_issue_bulk,
        template=make_template(),
        member_ids=list(range(1, 1002)),
        source="bulk",
    )
    template = make_template()
    CouponTemplate.objects.filter(pk=template.pk).update(active=False)
    _refused(
        Conflict,
        "coupon_template_inactive",
        coupon_issue_bulk,
        template=template,
        member_ids=[member.pk],
        source="bulk",
    )


# --- Claim ---------------------------------------------------------------------------------------


def test_claim_by_token_with_claim_limits():
    template = make_template(claimable=True, issue_limit=2, per_member_limit=1)
    a, b, c = make_member(), make_member(), make_member()
    coupon = coupon_claim(claim_token=template.claim_token, member=a)
    assert (coupon.source, coupon.member_id) == ("claim", a.pk)
    _refused(
        Conflict, "coupon_member_limit", coupon_claim, claim_token=template.claim_token, member=a
    )
    coupon_claim(claim_token=template.claim_token, member=b, source="scan")
    _refused(
        Conflict,
        "coupon_issue_limit_reached",
        coupon_claim,
        claim_token=template.claim_token,
        member=c,
    )


def test_claim_refuses_unknown_tokens_and_templates_that_are_not_claimable():
    member = make_member()
    _refused(NotFound, "coupon_claim_unknown", coupon_claim, claim_token="nope", member=member)
    _refused(NotFound, "coupon_claim_unknown", coupon_claim, claim_token="", member=member)
    template = make_template(claimable=True)
    CouponTemplate.objects.filter(pk=template.pk).update(claimable=False)
    _refused(
        NotFound,
        "coupon_claim_unknown",
        coupon_claim,
        claim_token=template.claim_token,
        member=member,
    )


# --- Merge and counts ----------------------------------------------------------------------------


def test_a_merge_moves_coupons_to_the_survivor():
    survivor, merged = make_member(), make_member()
    coupon = coupon_issue(template=make_template(), member=merged, source="manual")
    outcome = member_merge(
        survivor_id=survivor.pk, merged_id=merged.pk, actor="test", reason="same person"
    )
    assert outcome.moved["coupons"] == 1
    coupon.refresh_from_db()
    assert coupon.member_id == survivor.pk
    assert [c.pk for c in member_wallet(member_id=survivor.pk, at=clock.now()).usable] == [
        coupon.pk
    ]


def test_template_counts():
    template = make_template()
    member = make_member()
    a = coupon_issue(template=template, member=member, source="manual")
    coupon_compensate(template=template, member=member)
    Coupon.objects.filter(pk=a.pk).update(state=Coupon.State.REDEEMED)
    template.refresh_from_db()
    counts = coupon_template_counts(template=template, at=clock.now())
    assert (counts.issued, counts.usable, counts.redeemed, counts.reserved, counts.void) == (
        2,
        1,
        1,
        0,
        0,
    )
