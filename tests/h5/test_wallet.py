"""The coupon wallet (/m/coupons) and the claim page (/m/coupons/claim/<token>) as a shopper uses
them: grouped coupons with code and QR, validity in the member's local time, claiming after
joining, and every refusal shown with its code."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from omniloop.attribution.services import binding_touch
from omniloop.core import clock
from omniloop.promotions.codes import display_code
from omniloop.promotions.coupons import coupon_compensate, coupon_issue, coupons_redeem
from omniloop.promotions.models import Coupon, CouponTemplate
from tests.factories import make_member, make_store
from tests.h5.helpers import all_by_testid, as_member, by_testid, fresh_code, in_english, join
from tests.promotions.coupon_helpers import make_offer, make_order, make_template, single

pytestmark = pytest.mark.django_db
PHONE = "13812345678"


@pytest.fixture
def member():
    return make_member()


def test_the_wallet_needs_a_member_and_comes_back_after_joining(client: Client) -> None:
    r = client.get("/m/coupons")
    assert (r.status_code, r.url) == (302, "/m/join")
    r = join(client, PHONE, fresh_code(PHONE))
    assert (r.status_code, r.url) == (302, "/m/coupons")


def test_the_wallet_groups_coupons_with_code_qr_and_terms(client: Client, member) -> None:
    usable = coupon_issue(template=make_template(name="新人礼券"), member=member, source="welcome")
    used = coupon_issue(template=make_template(name="已用券"), member=member, source="manual")
    coupons_redeem(
        used=[(single(used.pk), 5000)],
        member_id=member.pk,
        order_id=make_order(member.pk).pk,
        at=clock.now(),
    )
    gone = coupon_compensate(template=make_template(name="补偿券"), member=member)
    Coupon.objects.filter(pk=gone.pk).update(valid_until=clock.now() - timedelta(days=1))
    coupon_issue(template=make_template(), member=make_member(), source="manual")  # not theirs

    html = as_member(client, member).get("/m/coupons").content
    assert all_by_testid(html, "coupon-name") == ["新人礼券", "已用券", "补偿券"]
    section = by_testid(html, "coupons-usable")
    assert display_code(usable.code) in section
    assert "满300元减50元" in section
    assert "门店与线上通用" in section
    assert len(all_by_testid(html, "coupon-qr")) == 1  # only usable coupons carry a QR
    assert b"<svg" in html
    assert "已使用" in by_testid(html, "coupons-used")
    assert "已过期" in by_testid(html, "coupons-expired")


def test_the_wallet_speaks_english_too(client: Client, member) -> None:
    coupon_issue(template=make_template(), member=member, source="manual")
    html = in_english(as_member(client, member)).get("/m/coupons").content
    assert by_testid(html, "coupon-terms") == "¥50 off orders of ¥300 or more"
    assert "Valid until" in by_testid(html, "coupon-validity")


def test_validity_is_shown_in_the_members_local_time(client: Client, member) -> None:
    store = make_store(timezone="Asia/Tokyo")
    binding_touch(member=member, store_id=store.pk, assistant_id=None, source="scan")
    until = clock.now().replace(year=2030, month=1, day=31, hour=15, minute=0, second=0)
    until = until.replace(microsecond=0)
    template = make_template(valid_days=None, valid_until=until)
    coupon_issue(template=template, member=member, source="manual")
    html = as_member(client, member).get("/m/coupons").content
    local = until.astimezone(ZoneInfo("Asia/Tokyo"))
    assert local.strftime("%Y-%m-%d %H:%M") in by_testid(html, "coupon-validity")


def test_empty_wallet(client: Client, member) -> None:
    html = as_member(client, member).get("/m/coupons").content
    assert by_testid(html, "coupons-empty") == "暂无可用的优惠券。"


def test_the_card_links_to_the_wallet_with_the_usable_count(client: Client, member) -> None:
    coupon_issue(template=make_template(), member=member, source="manual")
    html = as_member(client, member).get("/m/card").content
    assert by_testid(html, "coupon-count") == "1"
    assert 'href="/m/coupons"' in html.decode()


# --- Claim ---------------------------------------------------------------------------------------


def test_claim_after_joining(client: Client) -> None:
    template = make_template(claimable=True, name="扫码领券")
    path = f"/m/coupons/claim/{template.claim_token}"
    page = client.get(path + "?via=scan")
    assert page.status_code == 200
    assert by_testid(page.content, "claim-name") == "扫码领券"
    assert by_testid(page.content, "claim-join") == "加入会员并领取"
    r = client.post(path, {"via": "scan"})
    assert (r.status_code, r.url) == (302, "/m/join")
    r = join(client, PHONE, fresh_code(PHONE))
    assert (r.status_code, r.url) == (302, path)
    page = client.get(path)
    assert by_testid(page.content, "claim-submit") == "立即领取"
    r = client.post(path, {"via": "scan"})
    assert (r.status_code, r.url) == (302, "/m/coupons")
    coupon = Coupon.objects.get(template=template)
    assert coupon.source == "scan"
    wallet = client.get("/m/coupons").content
    assert by_testid(wallet, "claimed") == "优惠券已放入你的卡包。"
    page = client.get(path)
    assert by_testid(page.content, "claim-already") == "你已经有这张券了。"


def test_claim_refusals_show_their_codes_and_write_nothing(client: Client, member) -> None:
    template = make_template(claimable=True, issue_limit=1, per_member_limit=1)
    path = f"/m/coupons/claim/{template.claim_token}"
    as_member(client, member)
    assert client.post(path).status_code == 302
    r = client.post(path)
    assert r.status_code == 409
    assert by_testid(r.content, "error-code") == "coupon_member_limit"
    other = Client()
    as_member(other, make_member())
    assert by_testid(other.get(path).content, "claim-sold-out") == "券已被领完。"
    r = other.post(path)
    assert (r.status_code, by_testid(r.content, "error-code")) == (
        409,
        "coupon_issue_limit_reached",
    )
    assert Coupon.objects.filter(template=template).count() == 1


def test_unknown_and_closed_claim_links(client: Client, member) -> None:
    r = client.get("/m/coupons/claim/not-a-token")
    assert r.status_code == 404
    assert by_testid(r.content, "error-code") == "coupon_claim_unknown"
    unclaimable = make_template()
    assert client.get(f"/m/coupons/claim/{unclaimable.pk}").status_code == 404
    template = make_template(claimable=True, offer=make_offer())
    CouponTemplate.objects.filter(pk=template.pk).update(active=False)
    path = f"/m/coupons/claim/{template.claim_token}"
    page = as_member(client, member).get(path)
    assert by_testid(page.content, "claim-closed") == "这张券已停止发放。"
    r = client.post(path)
    assert (r.status_code, by_testid(r.content, "error-code")) == (
        409,
        "coupon_template_inactive",
    )
    assert not Coupon.objects.exists()
