"""Editing a coupon template: what may change and when, and that a refused edit writes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.promotions.coupon_templates import coupon_template_update
from omniloop.promotions.coupons import coupon_claim, coupon_issue, coupons_redeem
from omniloop.promotions.models import Coupon, CouponTemplate
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer, make_order, make_shared, make_template
from tests.promotions.coupon_helpers import shared as shared_candidate

pytestmark = pytest.mark.django_db


def _terms(template: CouponTemplate, **changes: Any) -> dict[str, Any]:
    """The template's current terms as the edit form sends them, with `changes`."""
    terms = {
        "offer": template.offer,
        "name": template.name,
        "code_kind": template.code_kind,
        "shared_code": template.shared_code,
        "shared_code_limit": template.shared_code_limit,
        "per_member_limit": template.per_member_limit,
        "issue_limit": template.issue_limit,
        "claimable": template.claimable,
        "welcome": template.welcome,
        "valid_from": template.valid_from,
        "valid_until": template.valid_until,
        "valid_days": template.valid_days,
        "restore_on_return": template.restore_on_return,
        "reserve_minutes": template.reserve_minutes,
    }
    return terms | changes


def _update(template: CouponTemplate, **changes: Any) -> CouponTemplate:
    return coupon_template_update(template_id=template.pk, **_terms(template, **changes))


def _row(template: CouponTemplate) -> dict[str, Any]:
    return CouponTemplate.objects.filter(pk=template.pk).values().get()


def _refused(template: CouponTemplate, code: str, **changes: Any) -> ApplicationError:
    before = _row(template)
    with pytest.raises(ApplicationError) as info:
        _update(template, **changes)
    assert info.value.code == code, info.value.message
    assert _row(template) == before  # nothing written
    return info.value


def test_every_term_can_change_while_nothing_is_issued():
    template = make_template(name="新人券", issue_limit=10)
    other_offer = make_offer(name="另一个")
    until = clock.now() + timedelta(days=60)
    updated = _update(
        template,
        offer=other_offer,
        name="  春季券 ",
        code_kind="shared",
        shared_code="spring-26",
        shared_code_limit=100,
        issue_limit=None,
        per_member_limit=2,
        valid_until=until,
        valid_days=None,
        restore_on_return=False,
        reserve_minutes=30,
    )
    row = CouponTemplate.objects.get(pk=template.pk)
    assert (row.name, row.offer_id, row.code_kind, row.shared_code) == (
        "春季券",
        other_offer.pk,
        "shared",
        "SPRING26",
    )
    assert (row.shared_code_limit, row.per_member_limit, row.valid_until) == (100, 2, until)
    assert (row.restore_on_return, row.reserve_minutes, row.valid_days) == (False, 30, None)
    assert (row.issued_count, row.shared_code_used, row.active) == (0, 0, True)
    assert updated.pk == template.pk


def test_once_issued_the_code_kind_and_the_offer_stay():
    template = make_template(issue_limit=5)
    coupon_issue(template=template, member=make_member(), source="manual")
    template.refresh_from_db()
    exc = _refused(
        template,
        "coupon_template_in_use",
        code_kind="shared",
        shared_code="NEWCODE1",
        valid_days=None,
        issue_limit=None,
        valid_until=clock.now() + timedelta(days=3),
    )
    assert exc.extra["fields"] == ["code_kind", "shared_code"]
    exc = _refused(template, "coupon_template_in_use", offer=make_offer())
    assert exc.extra["fields"] == ["offer"]
    # Everything else still may change.
    _update(template, name="改名", per_member_limit=3, valid_days=7)
    assert _row(template)["name"] == "改名"


def test_a_used_shared_code_stays_and_its_limit_stays_above_its_uses():
    template = make_shared("SPRING50", shared_code_limit=10)
    for _ in range(2):
        coupons_redeem(
            used=[(shared_candidate("SPRING50"), 100)],
            member_id=make_member().pk,
            order_id=make_order().pk,
            at=clock.now(),
        )
    template.refresh_from_db()
    assert template.shared_code_used == 2
    exc = _refused(template, "coupon_template_in_use", shared_code="AUTUMN50")
    assert exc.extra["fields"] == ["shared_code"]
    _refused(template, "coupon_shared_limit_below_used", shared_code_limit=1)
    _update(template, shared_code_limit=2)  # down to its uses: allowed
    assert _row(template)["shared_code_limit"] == 2


def test_the_issue_limit_never_goes_below_what_is_issued():
    template = make_template(issue_limit=10)
    for _ in range(3):
        coupon_issue(template=template, member=make_member(), source="manual")
    template.refresh_from_db()
    _refused(template, "coupon_issue_limit_below_issued", issue_limit=2)
    _update(template, issue_limit=3)
    with pytest.raises(ApplicationError) as info:
        coupon_issue(template=template, member=make_member(), source="manual")
    assert info.value.code == "coupon_issue_limit_reached"
    _update(template, issue_limit=None)
    coupon_issue(template=template, member=make_member(), source="manual")
    assert _row(template)["issued_count"] == 4


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": "  "}, "coupon_name_invalid"),
        ({"per_member_limit": 0}, "coupon_limit_invalid"),
        ({"issue_limit": 0}, "coupon_limit_invalid"),
        ({"valid_days": None, "valid_until": None}, "coupon_validity_required"),
        ({"valid_days": 4000}, "coupon_validity_invalid"),
        ({"reserve_minutes": 0}, "coupon_reserve_minutes_invalid"),
        ({"code_kind": "bogus"}, "coupon_code_kind_invalid"),
        ({"shared_code": "ABCD1234"}, "coupon_shared_code_unexpected"),
        ({"code_kind": "shared", "shared_code": None}, "coupon_validity_invalid"),
        ({"offer": "not coupon-only"}, "coupon_offer_not_coupon_only"),
        ({"offer": "ended"}, "coupon_offer_ended"),
    ],
)
def test_invalid_edits_are_refused_and_write_nothing(changes, code):
    template = make_template(claimable=True, issue_limit=5)
    if changes.get("offer") == "not coupon-only":
        changes["offer"] = make_offer(coupon_only=False)
    elif changes.get("offer") == "ended":
        changes["offer"] = make_offer(status="ended")
    _refused(template, code, **changes)


def test_a_shared_code_taken_elsewhere_is_refused():
    make_shared("TAKEN123")
    template = make_shared("MINE1234")
    _refused(template, "coupon_shared_code_taken", shared_code="taken-123")
    coupon = coupon_issue(template=make_template(), member=make_member(), source="manual")
    _refused(template, "coupon_shared_code_taken", shared_code=coupon.code)


def test_claiming_off_keeps_the_link_for_later_and_refuses_claims_meanwhile():
    template = make_template(claimable=True)
    token = template.claim_token
    _update(template, claimable=False)
    with pytest.raises(ApplicationError) as info:
        coupon_claim(claim_token=token, member=make_member())
    assert info.value.code == "coupon_claim_unknown"
    _update(CouponTemplate.objects.get(pk=template.pk), claimable=True)
    assert _row(template)["claim_token"] == token
    assert coupon_claim(claim_token=token, member=make_member()).template_id == template.pk
    # A template that was never claimable gets a token when it becomes so.
    later = make_template()
    _update(later, claimable=True)
    assert _row(later)["claim_token"]


def test_issued_coupons_keep_their_validity_when_the_template_changes():
    template = make_template(valid_days=30)
    coupon = coupon_issue(template=template, member=make_member(), source="manual")
    _update(template, valid_days=1)
    assert Coupon.objects.get(pk=coupon.pk).valid_until == coupon.valid_until
    template = CouponTemplate.objects.get(pk=template.pk)
    fresh = coupon_issue(template=template, member=make_member(), source="manual")
    assert fresh.valid_until - fresh.valid_from == timedelta(days=1)


def test_an_unknown_template_is_not_found():
    template = make_template()
    with pytest.raises(ApplicationError) as info:
        coupon_template_update(**(_terms(template) | {"template_id": template.pk + 999}))
    assert (info.value.code, info.value.status) == ("coupon_template_not_found", 404)
