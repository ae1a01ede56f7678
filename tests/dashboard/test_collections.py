"""Collection pages: who may open them, create with products by style code, edit by adding and
removing, refusals that write nothing, both languages; and the offer form's collections."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.catalog.collection_selectors import collection_products
from omniloop.catalog.collection_services import collection_create
from omniloop.catalog.models import Collection
from omniloop.promotions.models import Offer
from omniloop.promotions.offers import offer_create
from tests.dashboard.conftest import error_code, login
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def codes(collection: Collection) -> list[str]:
    return [p.style_code for p in collection_products(collection=collection)]


@pytest.fixture
def capsule():
    for code in ("CT1", "KN2", "SH3"):
        make_product(code)
    return collection_create(code="autumn", name="秋季胶囊系列", name_en="Autumn capsule")


@pytest.mark.parametrize(
    ("who", "status"),
    [("hq", 200), ("marketer", 200), ("manager_a", 403), ("assistant_a", 403), ("cs", 403)],
)
def test_hq_admins_and_marketers_keep_collections(client, world, capsule, who, status):
    login(client, getattr(world, who))
    for url in (
        reverse("dashboard:collections"),
        reverse("dashboard:collection_create"),
        reverse("dashboard:collection_edit", args=[capsule.code]),
    ):
        response = client.get(url)
        assert response.status_code == status, url
        if status == 403:
            assert error_code(response.content.decode()) == "role_forbidden"


def test_marketer_creates_a_collection_with_products_in_order(client, world, capsule):
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:collection_create"),
        {"code": "best", "name": "人气榜", "active": "on", "products": "SH3, CT1\nSH3"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    best = Collection.objects.get(code="best")
    assert response["Location"] == reverse("dashboard:collection_edit", args=["best"])
    assert (best.name, best.active, codes(best)) == ("人气榜", True, ["SH3", "CT1"])
    html = client.get(reverse("dashboard:collections")).content.decode()
    assert "人气榜" in html and "秋季胶囊系列" in html and "商品合集" in html


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"code": "best", "name": "人气榜", "products": "CT1 NOPE9"}, "NOPE9"),
        ({"code": "autumn", "name": "重复"}, "另一个合集已使用此编码。"),
        ({"code": "最佳", "name": "人气榜"}, "code"),
    ],
)
def test_a_refused_collection_writes_nothing(client, world, capsule, data, field_error):
    login(client, world.marketer)
    response = client.post(reverse("dashboard:collection_create"), data)
    assert response.status_code == 422
    assert field_error in response.content.decode() or response.context["form"].errors.get(
        field_error
    )
    assert list(Collection.objects.values_list("code", flat=True)) == ["autumn"]


def test_editing_adds_and_removes_products_and_lists_the_offers_it_touches(client, world, capsule):
    offer = offer_create(
        actor_label="test",
        name="秋季胶囊 9折",
        kind="percent_off",
        params={"pay_percent": 90},
        collections=[capsule.pk],
    )
    login(client, world.hq)
    url = reverse("dashboard:collection_edit", args=[capsule.code])
    response = client.post(url, {"name": "秋季胶囊", "add_products": "CT1 KN2"})
    assert response.status_code == 302 and response["Location"] == url
    capsule.refresh_from_db()
    assert (capsule.name, capsule.active, codes(capsule)) == ("秋季胶囊", False, ["CT1", "KN2"])
    ct1 = capsule.products.get(style_code="CT1")
    response = client.post(
        url,
        {"name": "秋季胶囊", "active": "on", "remove_products": [ct1.pk], "add_products": "SH3"},
    )
    assert response.status_code == 302
    capsule.refresh_from_db()
    assert capsule.active and codes(capsule) == ["KN2", "SH3"]
    html = client.get(url).content.decode()
    assert "KN2" in html and "SH3" in html and offer.name in html


def test_an_unknown_code_to_add_changes_nothing(client, world, capsule):
    login(client, world.marketer)
    url = reverse("dashboard:collection_edit", args=[capsule.code])
    response = client.post(url, {"name": "新名字", "add_products": "CT1 NOPE9"})
    assert response.status_code == 422 and "NOPE9" in response.content.decode()
    capsule.refresh_from_db()
    assert (capsule.name, codes(capsule)) == ("秋季胶囊系列", [])


def test_an_unknown_collection_is_not_found(client, world):
    login(client, world.marketer)
    response = client.get(reverse("dashboard:collection_edit", args=["nope"]))
    assert response.status_code == 404
    assert error_code(response.content.decode()) == "collection_not_found"


def test_the_pages_read_in_english(client, world, capsule):
    login(client, world.marketer)
    client.cookies["django_language"] = "en"
    html = client.get(reverse("dashboard:collections")).content.decode()
    assert "Collections" in html and "Autumn capsule" in html and "New collection" in html
    html = client.get(reverse("dashboard:collection_edit", args=[capsule.code])).content.decode()
    assert "Add products" in html and "Shown to shoppers" in html


def test_the_offer_form_scopes_an_offer_to_collections(client, world, capsule):
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:offer_create"),
        {
            "name": "秋季胶囊 9折",
            "kind": "percent_off",
            "pay_percent": "90",
            "collections": [capsule.pk],
            "products": "",
            "priority": "100",
            "compound": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    offer = Offer.objects.get()
    assert list(offer.collections.all()) == [capsule]
    html = client.get(reverse("dashboard:offer_detail", args=[offer.pk])).content.decode()
    assert "“秋季胶囊系列”合集" in html
    edit = client.get(reverse("dashboard:offer_edit", args=[offer.pk]))
    assert edit.context["form"].initial["collections"] == [capsule.pk]


def test_the_offer_form_needs_some_scope(client, world, capsule):
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:offer_create"),
        {"name": "空", "kind": "percent_off", "pay_percent": "90", "priority": "100"},
    )
    assert response.status_code == 422
    assert "请选择商品、品类或合集，或勾选全场商品。" in response.content.decode()
    assert not Offer.objects.exists()
