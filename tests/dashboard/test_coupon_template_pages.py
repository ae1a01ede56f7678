"""Coupon template pages: edit (with the service's refusals on their fields, nothing written),
deactivate / reactivate, and retire with its confirm page; HQ admins and marketers only."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from omniloop.promotions.coupons import coupon_issue, coupon_template_create
from omniloop.promotions.models import Coupon, CouponTemplate
from tests.dashboard.conftest import error_code, login
from tests.factories import make_member
from tests.promotions.coupon_helpers import make_offer

pytestmark = pytest.mark.django_db


def _template(**kw: Any) -> CouponTemplate:
    fields: dict[str, Any] = {"name": "新人券", "valid_days": 30, "issue_limit": 10}
    return coupon_template_create(offer=make_offer(), **(fields | kw))


def _form(template: CouponTemplate, **changes: str) -> dict[str, str]:
    data = {
        "name": template.name,
        "offer": str(template.offer_id),
        "code_kind": template.code_kind,
        "per_member_limit": str(template.per_member_limit),
        "issue_limit": "" if template.issue_limit is None else str(template.issue_limit),
        "valid_days": "" if template.valid_days is None else str(template.valid_days),
        "reserve_minutes": str(template.reserve_minutes),
        "restore_on_return": "on",
    }
    if template.claimable:
        data["claimable"] = "on"
    return data | changes


def _url(name: str, template: CouponTemplate) -> str:
    return reverse(f"dashboard:{name}", args=[template.pk])


def _row(template: CouponTemplate) -> dict[str, Any]:
    return CouponTemplate.objects.filter(pk=template.pk).values().get()


def test_a_marketer_edits_the_terms(client, world):
    template = _template()
    login(client, world.marketer)
    page = client.get(_url("coupon_template_edit", template))
    assert page.status_code == 200
    assert page.context["form"]["name"].value() == "新人券"
    r = client.post(
        _url("coupon_template_edit", template),
        _form(template, name="春季券", per_member_limit="2", claimable="on", valid_days="7"),
    )
    assert r.status_code == 302 and r["Location"] == _url("coupon_template_detail", template)
    row = CouponTemplate.objects.get(pk=template.pk)
    assert (row.name, row.per_member_limit, row.claimable, row.valid_days) == ("春季券", 2, True, 7)
    assert row.claim_token
    html = client.get(_url("coupon_template_detail", template)).content.decode()
    assert "春季券" in html and 'data-testid="template-edit"' in html


def test_refused_edits_show_on_their_fields_and_write_nothing(client, world):
    template = _template(issue_limit=5)
    for _ in range(3):
        coupon_issue(template=template, member=make_member(), source="manual")
    template.refresh_from_db()
    before = _row(template)
    login(client, world.hq)
    url = _url("coupon_template_edit", template)
    r = client.post(url, _form(template, issue_limit="2"))
    assert r.status_code == 422
    errors = r.context["form"].errors
    assert errors["issue_limit"] == ["发放总量不能少于已发放的券数。"]
    other = make_offer(name="另一个优惠")
    r = client.post(url, _form(template, offer=str(other.pk)))
    assert r.status_code == 422
    assert list(r.context["form"].errors) == ["offer"]
    r = client.post(
        url,
        _form(
            template,
            code_kind="shared",
            shared_code="NEWCODE1",
            valid_until="2999-01-01T00:00",
            valid_days="",
        ),
    )
    assert r.status_code == 422
    assert set(r.context["form"].errors) == {"code_kind", "shared_code"}
    r = client.post(url, _form(template, name=""))
    assert r.status_code == 422 and "name" in r.context["form"].errors
    assert _row(template) == before
    # The page says which terms are fixed and how low the limit may go.
    html = client.get(url).content.decode()
    assert "已固定：券已发放或已使用。" in html and "至少 3 张" in html


def test_english_edit_page(client, world):
    template = _template()
    coupon_issue(template=template, member=make_member(), source="manual")
    login(client, world.marketer)
    client.cookies["django_language"] = "en"
    r = client.post(_url("coupon_template_edit", template), _form(template, issue_limit="0"))
    assert r.status_code == 422
    r = client.post(
        _url("coupon_template_edit", template), _form(template, offer=str(make_offer().pk))
    )
    assert r.context["form"].errors["offer"] == [
        "Coupons are already issued: the code kind, the shared code and the offer stay."
    ]


def test_deactivate_and_reactivate(client, world):
    template = _template()
    coupon = coupon_issue(template=template, member=make_member(), source="manual")
    login(client, world.marketer)
    r = client.post(_url("coupon_template_deactivate", template))
    assert r.status_code == 302
    assert CouponTemplate.objects.get(pk=template.pk).active is False
    html = client.get(_url("coupon_template_detail", template)).content.decode()
    assert 'data-testid="template-inactive"' in html and 'data-testid="issue-submit"' not in html
    assert 'data-testid="template-reactivate"' in html
    assert Coupon.objects.get(pk=coupon.pk).state == "issued"
    r = client.post(_url("coupon_template_issue", template), {"member_codes": make_member().code})
    assert r.status_code == 409
    assert Coupon.objects.filter(template=template).count() == 1
    assert client.get(_url("coupon_template_deactivate", template)).status_code == 405
    client.post(_url("coupon_template_reactivate", template))
    assert CouponTemplate.objects.get(pk=template.pk).active is True


def test_retire_confirms_the_count_then_voids(client, world):
    template = _template()
    for _ in range(2):
        coupon_issue(template=template, member=make_member(), source="manual")
    login(client, world.hq)
    page = client.get(_url("coupon_template_retire", template))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="retire-count">2 张未使用的券将作废。' in html
    assert Coupon.objects.filter(template=template, state="issued").count() == 2  # GET: nothing
    r = client.post(_url("coupon_template_retire", template))
    assert r.status_code == 302
    assert Coupon.objects.filter(template=template, state="void").count() == 2
    assert CouponTemplate.objects.get(pk=template.pk).active is False
    client.cookies["django_language"] = "en"
    page = client.get(_url("coupon_template_retire", template)).content.decode()
    assert 'data-testid="retire-count">0 unused coupons will be voided.' in page


@pytest.mark.parametrize("who", ["manager_a", "assistant_a", "cs"])
def test_only_hq_admins_and_marketers_steer_templates(client, world, who):
    template = _template()
    login(client, getattr(world, who))
    before = _row(template)
    for name in ("coupon_template_edit", "coupon_template_retire"):
        r = client.get(_url(name, template))
        assert r.status_code == 403 and error_code(r.content.decode()) == "role_forbidden"
    for name in (
        "coupon_template_edit",
        "coupon_template_deactivate",
        "coupon_template_reactivate",
        "coupon_template_retire",
    ):
        assert client.post(_url(name, template), _form(template, name="x")).status_code == 403
    assert _row(template) == before
