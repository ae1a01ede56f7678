"""Promotions pages: who may open what, the offer form and status buttons, store managers'
read-only view, coupon templates (issue, claim link) and flash sales."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from omniloop.core import clock
from omniloop.promotions.coupons import coupon_template_create
from omniloop.promotions.flash import flash_sale_create
from omniloop.promotions.models import Coupon, CouponTemplate, FlashSale, Offer
from omniloop.promotions.offers import offer_create
from omniloop.stores.models import SalesChannel
from tests.dashboard.conftest import error_code, login
from tests.factories import make_member, make_product

pytestmark = pytest.mark.django_db

TIERED = {
    "name": "冬季满减",
    "kind": "threshold",
    "tier1_spend": "300",
    "tier1_off": "50",
    "tier2_spend": "500",
    "tier2_off": "100",
    "categories": [],
    "products": "",
    "priority": "10",
    "stacking_group": "site",
    "compound": "0",
    "weekdays": ["5", "6"],
    "daily_start": "10:00",
    "daily_end": "14:00",
}


def make_offer(**kw):
    fields = {
        "name": "满300减50",
        "kind": "threshold",
        "params": {"tiers": [[30000, 5000], [50000, 10000]]},
        "all_products": True,
    }
    fields.update(kw)
    return offer_create(actor_label="test", **fields)


def page(client, name, *args):
    return client.get(reverse(name, args=args))


@pytest.mark.parametrize(
    ("who", "list_status", "write_status"),
    [
        ("hq", 200, 200),
        ("marketer", 200, 200),
        ("manager_a", 200, 403),
        ("assistant_a", 403, 403),
        ("cs", 403, 403),
    ],
)
def test_role_access(client, world, who, list_status, write_status):
    login(client, getattr(world, who))
    for name in ("dashboard:offers", "dashboard:coupon_templates", "dashboard:flash_sales"):
        assert page(client, name).status_code == list_status, name
    for name in (
        "dashboard:offer_create",
        "dashboard:coupon_template_create",
        "dashboard:flash_sale_create",
    ):
        response = page(client, name)
        assert response.status_code == write_status, name
        if write_status == 403:
            assert error_code(response.content.decode()) == "role_forbidden"


def test_marketer_creates_a_tiered_offer_and_reads_it_in_plain_words(client, world):
    product = make_product("COAT1")
    SalesChannel.objects.create(
        code="till", name="门店收银", name_en="Store till", kind="store_till"
    )
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:offer_create"),
        {**TIERED, "categories": [product.category_id], "channels": ["till"]},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    offer = Offer.objects.get()
    assert response["Location"] == reverse("dashboard:offer_detail", args=[offer.pk])
    assert offer.status == "draft" and offer.kind == "threshold"
    assert offer.params == {"tiers": [[30000, 5000], [50000, 10000]]}
    assert offer.weekdays == [5, 6] and offer.stacking_group == "site" and offer.priority == 10
    html = page(client, "dashboard:offer_detail", offer.pk).content.decode()
    assert "满¥300减¥50，满¥500减¥100" in html
    assert "周末 10:00–14:00（上海时间）" in html
    assert "门店收银" in html and "不与其他“site”组优惠同享" in html
    client.cookies["django_language"] = "en"
    html = page(client, "dashboard:offer_detail", offer.pk).content.decode()
    assert "¥50 off from ¥300 / ¥100 off from ¥500, on Tops, at Store till" in html
    assert "weekends 10:00–14:00 (Shanghai time)" in html
    # The edit form comes back filled in yuan.
    html = page(client, "dashboard:offer_edit", offer.pk).content.decode()
    assert 'name="tier2_off" value="100.00"' in html


def test_offer_form_refusals_write_nothing(client, world):
    login(client, world.marketer)
    url = reverse("dashboard:offer_create")
    bad = [
        {**TIERED, "all_products": "on", "tier2_off": "40"},  # tiers not ascending
        {**TIERED, "all_products": "on", "tier1_off": ""},  # half a tier
        {**TIERED},  # no scope
        {**TIERED, "all_products": "on", "daily_end": "09:00"},
        {**TIERED, "all_products": "on", "kind": "percent_off"},  # no percentage
        {**TIERED, "all_products": "on", "kind": "percent_off", "pay_percent": "100"},
        {**TIERED, "all_products": "on", "products": "NOPE1"},
        {**TIERED, "all_products": "on", "kind": "gift", "gift_sku": "NOPE-M"},
    ]
    for data in bad:
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert 'class="error"' in response.content.decode()
    assert not Offer.objects.exists()


def test_every_kind_saves_from_the_form(client, world):
    product = make_product("GIFT1")
    sku = product.skus.first()
    login(client, world.hq)
    cases = {
        "amount_off": ({"amount": "20", "min_spend": "199"}, {"amount": 2000, "min_spend": 19900}),
        "percent_off": (
            {"pay_percent": "80", "cap": "100"},
            {"pay_percent": 80, "cap": 10000, "min_spend": 0},
        ),
        "threshold_repeat": (
            {"repeat_every": "200", "repeat_off": "20"},
            {"repeat_every": 20000, "repeat_off": 2000},
        ),
        "gift": (
            {"gift_sku": sku.sku_code, "min_spend": "500"},
            {"gift_sku_id": sku.pk, "quantity": 1, "min_spend": 50000},
        ),
        "buy_x_get_y": ({"buy": "2", "get": "1"}, {"buy": 2, "get": 1, "get_pay_percent": 0}),
        "member_price": ({"pay_gold": "90"}, {"pay_percent_by_tier": {"gold": 90}}),
        "member_extra": (
            {"pay_silver": "98", "pay_platinum": "90"},
            {"pay_percent_by_tier": {"silver": 98, "platinum": 90}},
        ),
        "fixed_price": (
            {"sku_prices": f"{sku.sku_code} 199"},
            {"sku_prices": {str(sku.pk): 19900}},
        ),
        "free_shipping": ({}, {"min_spend": 0}),
    }
    base = {"name": "x", "all_products": "on", "priority": "100", "compound": "1"}
    for kind, (fields, params) in cases.items():
        response = client.post(reverse("dashboard:offer_create"), {**base, "kind": kind, **fields})
        assert response.status_code == 302, (kind, response.content.decode()[:3000])
        offer = Offer.objects.latest("pk")
        assert offer.params == params, kind
        assert offer.compound is True
        assert page(client, "dashboard:offer_detail", offer.pk).status_code == 200


def test_status_buttons_and_duplicate(client, world):
    offer = make_offer()
    login(client, world.marketer)

    def press(action):
        return client.post(reverse(f"dashboard:offer_{action}", args=[offer.pk]))

    assert press("activate").status_code == 302
    offer.refresh_from_db()
    assert offer.status == "active"
    assert press("activate").status_code == 409
    assert press("pause").status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == "paused"
    response = press("duplicate")
    copy = Offer.objects.latest("pk")
    assert response["Location"] == reverse("dashboard:offer_edit", args=[copy.pk])
    assert copy.status == "draft" and copy.name == "满300减50 (副本)"
    assert press("end").status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == "ended"
    # An ended offer cannot be edited: the edit page sends back to the detail.
    response = page(client, "dashboard:offer_edit", offer.pk)
    assert response.status_code == 302
    # GET never changes anything.
    assert client.get(reverse("dashboard:offer_activate", args=[copy.pk])).status_code == 405


def test_scheduled_offer_shows_as_scheduled(client, world):
    offer = make_offer(starts_at=clock.now() + timedelta(days=3))
    login(client, world.hq)
    client.post(reverse("dashboard:offer_activate", args=[offer.pk]))
    html = page(client, "dashboard:offer_detail", offer.pk).content.decode()
    assert "待开始" in html
    assert make_offer().pk  # a second, draft offer
    html = client.get(reverse("dashboard:offers") + "?status=scheduled").content.decode()
    assert html.count('class="offer-name"') == 1


def test_edit_changes_the_offer(client, world):
    offer = make_offer()
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:offer_edit", args=[offer.pk]),
        {**TIERED, "name": "改名", "all_products": "on", "tier2_off": "120"},
    )
    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.name == "改名" and offer.params["tiers"][1] == [50000, 12000]


def test_store_manager_reads_offers_for_their_store_only(client, world):
    everywhere = make_offer(name="全场")
    mine = make_offer(name="本店", stores=[world.store_a])
    theirs = make_offer(name="他店", stores=[world.store_b])
    login(client, world.manager_a)
    html = page(client, "dashboard:offers").content.decode()
    assert "全场" in html and "本店" in html and "他店" not in html
    assert reverse("dashboard:offer_create") not in html
    html = page(client, "dashboard:offer_detail", mine.pk).content.decode()
    assert reverse("dashboard:offer_edit", args=[mine.pk]) not in html
    assert reverse("dashboard:offer_activate", args=[mine.pk]) not in html
    assert page(client, "dashboard:offer_detail", everywhere.pk).status_code == 200
    assert page(client, "dashboard:offer_detail", theirs.pk).status_code == 404
    response = client.post(reverse("dashboard:offer_activate", args=[mine.pk]))
    assert response.status_code == 403
    assert Offer.objects.get(pk=mine.pk).status == "draft"


def test_offer_list_filters_by_status(client, world):
    make_offer(name="草稿一")
    running = make_offer(name="进行中一")
    Offer.objects.filter(pk=running.pk).update(status="active")
    login(client, world.hq)
    html = client.get(reverse("dashboard:offers") + "?status=running").content.decode()
    assert "进行中一" in html and "草稿一" not in html
    html = client.get(reverse("dashboard:offers") + "?status=bogus").content.decode()
    assert "进行中一" in html and "草稿一" in html


# Coupon templates ------------------------------------------------------------------------------


def test_coupon_template_create_detail_claim_and_issue(client, world):
    offer = make_offer(coupon_only=True, kind="amount_off", params={"amount": 2000})
    make_offer(name="not a coupon offer")
    login(client, world.marketer)
    form = page(client, "dashboard:coupon_template_create").content.decode()
    assert "not a coupon offer" not in form
    response = client.post(
        reverse("dashboard:coupon_template_create"),
        {
            "name": "新人券",
            "offer": offer.pk,
            "code_kind": "unique",
            "per_member_limit": "1",
            "issue_limit": "2",
            "claimable": "on",
            "valid_days": "30",
            "restore_on_return": "on",
            "reserve_minutes": "15",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    template = CouponTemplate.objects.get()
    assert template.claimable and template.claim_token and template.issue_limit == 2
    html = page(client, "dashboard:coupon_template_detail", template.pk).content.decode()
    assert f"/m/coupons/claim/{template.claim_token}" in html and "<svg" in html
    png = page(client, "dashboard:coupon_template_qr", template.pk, "png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    m1, m2 = make_member(), make_member()
    response = client.post(
        reverse("dashboard:coupon_template_issue", args=[template.pk]),
        {"member_codes": f"{m1.code}\n{m2.code}\n{m1.code}\n999999999999\n"},
    )
    assert response.status_code == 200
    report = response.context["report"]
    assert report["issued"] == 2
    assert [code for code, _ in report["problems"]] == ["999999999999"]
    assert Coupon.objects.filter(template=template).count() == 2
    html = page(client, "dashboard:coupon_templates").content.decode()
    assert "新人券" in html and '2<span class="muted"> / 2</span>' in html
    # Issue limit reached: reported per member, nothing more written.
    m3 = make_member()
    response = client.post(
        reverse("dashboard:coupon_template_issue", args=[template.pk]),
        {"member_codes": m3.code},
    )
    assert response.context["report"]["issued"] == 0
    assert Coupon.objects.filter(template=template).count() == 2


def test_coupon_template_refusals(client, world):
    offer = make_offer(coupon_only=True)
    login(client, world.hq)
    url = reverse("dashboard:coupon_template_create")
    base = {"name": "券", "offer": offer.pk, "per_member_limit": "1", "reserve_minutes": "15"}
    for data in (
        {**base, "code_kind": "unique"},  # no end
        {**base, "code_kind": "shared", "valid_days": "30"},  # shared needs a code and an end
        {**base, "code_kind": "shared", "shared_code": "!!", "valid_until": "2999-01-01T00:00"},
    ):
        assert client.post(url, data).status_code == 422, data
    assert not CouponTemplate.objects.exists()
    assert (
        client.post(
            url,
            {
                **base,
                "code_kind": "shared",
                "shared_code": "spring50",
                "valid_until": "2999-01-01T00:00",
            },
        ).status_code
        == 302
    )
    assert CouponTemplate.objects.get().shared_code == "SPRING50"


def test_store_manager_reads_templates_of_offers_for_their_store(client, world):
    mine = coupon_template_create(
        offer=make_offer(coupon_only=True, stores=[world.store_a]), name="本店券", valid_days=7
    )
    theirs = coupon_template_create(
        offer=make_offer(coupon_only=True, stores=[world.store_b]), name="他店券", valid_days=7
    )
    login(client, world.manager_a)
    html = page(client, "dashboard:coupon_templates").content.decode()
    assert "本店券" in html and "他店券" not in html
    html = page(client, "dashboard:coupon_template_detail", mine.pk).content.decode()
    assert 'data-testid="issue-submit"' not in html
    assert page(client, "dashboard:coupon_template_detail", theirs.pk).status_code == 404
    response = client.post(
        reverse("dashboard:coupon_template_issue", args=[mine.pk]), {"member_codes": "x"}
    )
    assert response.status_code == 403


# Flash sales ------------------------------------------------------------------------------------


def test_flash_sale_create_pause_resume(client, world):
    sku = make_product("FL1").skus.first()
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:flash_sale_create"),
        {
            "name": "秒杀",
            "sku": sku.sku_code,
            "price": "99",
            "stock": "50",
            "per_member_limit": "1",
            "starts_at": "2026-01-01T10:00",
            "ends_at": "2999-01-01T12:00",
            "hold_minutes": "15",
            "active": "on",
        },
    )
    assert response.status_code == 302
    sale = FlashSale.objects.get()
    assert (sale.price, sale.stock_left, sale.status) == (Decimal("99.00"), 50, "active")
    html = page(client, "dashboard:flash_sales").content.decode()
    assert "<strong>50</strong> / 50" in html and "进行中" in html
    client.post(reverse("dashboard:flash_sale_pause", args=[sale.pk]))
    assert FlashSale.objects.get().status == "paused"
    client.post(reverse("dashboard:flash_sale_resume", args=[sale.pk]))
    assert FlashSale.objects.get().status == "active"
    client.post(reverse("dashboard:flash_sale_end", args=[sale.pk]))
    assert FlashSale.objects.get().status == "ended"
    assert client.post(reverse("dashboard:flash_sale_resume", args=[sale.pk])).status_code == 409


def test_flash_sale_refusals_and_read_only_manager(client, world):
    sku = make_product("FL2").skus.first()
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:flash_sale_create"),
        {
            "name": "秒杀",
            "sku": "NOPE",
            "price": "99",
            "stock": "0",
            "per_member_limit": "1",
            "starts_at": "2026-01-02T10:00",
            "ends_at": "2026-01-01T10:00",
            "hold_minutes": "15",
        },
    )
    assert response.status_code == 422
    assert not FlashSale.objects.exists()
    sale = flash_sale_create(
        name="秒杀",
        sku_id=sku.pk,
        price=Decimal("9.90"),
        stock=5,
        starts_at=clock.now(),
        ends_at=clock.now() + timedelta(hours=1),
    )
    login(client, world.manager_a)
    html = page(client, "dashboard:flash_sales").content.decode()
    assert "秒杀" in html and 'data-testid="flash-pause"' not in html
    assert client.post(reverse("dashboard:flash_sale_pause", args=[sale.pk])).status_code == 403


# Try it -----------------------------------------------------------------------------------------


def test_try_it_prices_a_basket_and_explains_this_offer(client, world):
    SalesChannel.objects.create(code="till", name="门店收银", kind="store_till")
    product = make_product("TRY1", price="399.00")
    sku = product.skus.first().sku_code
    offer = make_offer()
    login(client, world.marketer)
    url = reverse("dashboard:offer_try", args=[offer.pk])
    response = client.post(url, {"items": f"{sku} 1", "channel": "till"})
    assert response.status_code == 200
    assert response.context["tried"]["outcome"].kind == "absent"  # still a draft
    client.post(reverse("dashboard:offer_activate", args=[offer.pk]))
    response = client.post(url, {"items": f"{sku} x 2", "channel": "till"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and 'id="try"' in html
    outcome = response.context["tried"]["outcome"]
    assert (outcome.kind, outcome.amount) == ("applied", 10000)  # 798 >= 500: ¥100 off
    assert 'data-testid="try-total">¥698<' in html
    response = client.post(url, {"items": f"{sku}", "channel": "till", "store": world.store_a.pk})
    assert response.context["tried"]["outcome"].kind == "applied"
    # Under the threshold: rejected, with the reason in words.
    cheap = make_product("TRY2", price="99.00").skus.first().sku_code
    response = client.post(url, {"items": cheap, "channel": "till"})
    assert response.context["tried"]["outcome"].kind == "rejected"
    assert "未达到" in response.content.decode()
    response = client.post(url, {"items": "NOPE-1 1", "channel": "till"})
    assert response.status_code == 422 and "NOPE-1" in response.content.decode()
    response = client.post(url, {"items": "", "channel": "till"})
    assert response.status_code == 422


def test_try_it_for_store_managers_is_their_store_only(client, world):
    SalesChannel.objects.create(code="till", name="门店收银", kind="store_till")
    sku = make_product("TRY3").skus.first().sku_code
    mine = make_offer(stores=[world.store_a])
    theirs = make_offer(stores=[world.store_b])
    login(client, world.manager_a)
    data = {"items": sku, "channel": "till", "store": world.store_a.pk}
    assert client.post(reverse("dashboard:offer_try", args=[mine.pk]), data).status_code == 200
    data["store"] = world.store_b.pk  # not offered, not accepted
    assert client.post(reverse("dashboard:offer_try", args=[mine.pk]), data).status_code == 422
    assert client.post(reverse("dashboard:offer_try", args=[theirs.pk]), data).status_code == 404
    login(client, world.assistant_a)
    assert client.post(reverse("dashboard:offer_try", args=[mine.pk]), data).status_code == 403
