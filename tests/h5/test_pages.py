from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from omniloop.catalog.models import OutfitLink, Product, ProductPhoto
from omniloop.core.brand import brand_settings
from tests.factories import make_product, make_store
from tests.h5.helpers import all_by_testid, by_testid, in_english

pytestmark = pytest.mark.django_db

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="4" height="5"/>'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


def _dressed_product() -> Product:
    product = make_product(price="1299.00", sizes=("L", "S", "XL", "M"))
    product.description = "挺括的牛津纺衬衫。"
    product.description_en = "A crisp Oxford shirt."
    product.care = "30°C 机洗"
    product.care_en = "Machine wash at 30°C"
    product.save()
    ProductPhoto.objects.create(
        product=product, position=0, image=ContentFile(SVG, name="front.svg")
    )
    ProductPhoto.objects.create(
        product=product, position=1, image=ContentFile(SVG, name="back.svg")
    )
    trousers = make_product(price="599.00")
    draft = make_product()
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)
    OutfitLink.objects.create(product=product, item=trousers, position=0)
    OutfitLink.objects.create(product=product, item=draft, position=1)
    return product


def test_product_page(client: Client) -> None:
    product = _dressed_product()
    response = client.get(f"/m/p/{product.style_code}")
    assert response.status_code == 200
    html = response.content
    assert by_testid(html, "price") == "¥1,299.00"
    assert by_testid(html, "sizes") == "S M L XL"
    assert by_testid(html, "colors") == "白"
    assert by_testid(html, "product-name") == product.name
    assert by_testid(html, "material") == "100% 棉"
    assert by_testid(html, "care") == "30°C 机洗"
    assert by_testid(html, "description") == "挺括的牛津纺衬衫。"
    assert html.count(b'src="/media/products/') == 2
    outfit = by_testid(html, "outfit")
    assert "¥599.00" in outfit
    assert "衬衫" in outfit
    assert html.count(b'class="tile"') == 1  # the draft item is not offered
    assert by_testid(html, "cta-join")


def test_product_page_in_english(client: Client) -> None:
    product = _dressed_product()
    html = in_english(client).get(f"/m/p/{product.style_code}").content
    assert b'<html lang="en">' in html
    assert by_testid(html, "product-name") == product.name_en
    assert by_testid(html, "material") == "100% cotton"
    assert by_testid(html, "colors") == "White"
    assert by_testid(html, "description") == "A crisp Oxford shirt."
    assert b"Complete the look" in html
    assert b"Join and get member benefits" in html


def test_draft_and_unknown_products_are_404(client: Client) -> None:
    draft = make_product()
    Product.objects.filter(pk=draft.pk).update(status=Product.Status.DRAFT)
    for code in (draft.style_code, "nope"):
        response = client.get(f"/m/p/{code}")
        assert response.status_code == 404
        assert by_testid(response.content, "error-code") == "product_not_found"


def test_home_shows_brand_and_active_products(client: Client) -> None:
    brand = brand_settings()
    brand.name, brand.name_en = "织光", "Lumen & Loom"
    brand.save()
    active = make_product()
    retired = make_product()
    Product.objects.filter(pk=retired.pk).update(status=Product.Status.RETIRED)
    html = client.get("/m/").content
    assert "织光".encode() in html
    assert active.name.encode() in html
    assert retired.name.encode() not in html
    assert by_testid(html, "cta-join")
    english = in_english(client).get("/m/").content
    assert b"Lumen &amp; Loom" in english
    assert active.name_en.encode() in english


def test_chinese_is_the_default_language(client: Client) -> None:
    html = client.get("/m/join").content.decode()
    assert '<html lang="zh-Hans">' in html
    assert "获取验证码" in html
    assert "Send code" not in by_testid(html, "send-code")


def test_english_join_page(client: Client) -> None:
    html = in_english(client).get("/m/join").content
    assert by_testid(html, "send-code") == "Send code"
    assert b"I accept the membership terms and privacy policy" in html


def test_error_messages_are_translated(client: Client) -> None:
    zh = client.post("/m/join/otp", {"phone": "123"})
    assert by_testid(zh.content, "error-code") == "phone_invalid"
    assert "手机号" in zh.content.decode()
    en = in_english(Client()).post("/m/join/otp", {"phone": "123"})
    assert "Enter a valid mobile phone number." in by_testid(en.content, "otp-status")


def test_store_name_in_english(client: Client) -> None:
    store = make_store(name="静安店", name_en="Jing'an")
    assert by_testid(client.get(f"/m/store/{store.code}").content, "store-name") == "静安店"
    english = in_english(client).get(f"/m/store/{store.code}").content
    assert by_testid(english, "store-name") == "Jing'an"


def test_language_switch_on_every_page(client: Client) -> None:
    store = make_store()
    product = make_product()
    for url in (
        "/m/",
        f"/m/store/{store.code}",
        f"/m/p/{product.style_code}",
        "/m/join",
        "/s/unknownscene",
    ):
        html = client.get(url).content
        assert all_by_testid(html, "language-switch"), url
        assert b'action="/i18n/setlang/"' in html
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/m/join"})
    assert response.status_code == 302
    assert response.url == "/m/join"
    assert b"Send code" in client.get("/m/join").content


def test_root_redirects_home(client: Client) -> None:
    assert client.get("/").url == "/m/"
