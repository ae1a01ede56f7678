from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.touchpoints.models import Touchpoint
from tests.dashboard.conftest import login
from tests.factories import make_product, make_touchpoint

pytestmark = pytest.mark.django_db


def qr(tp: Touchpoint, fmt: str) -> str:
    return reverse("dashboard:touchpoint_qr", args=[tp.pk, fmt])


def test_qr_downloads(client, world):
    tp = make_touchpoint("store_counter", store=world.store_a, label="Counter")
    login(client, world.manager_a)
    png = client.get(qr(tp, "png"))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"].startswith("attachment;")
    svg = client.get(qr(tp, "svg"))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content and svg["Content-Disposition"].startswith("attachment;")
    assert client.get(qr(tp, "gif")).status_code == 404


def test_qr_of_another_store_is_404(client, world):
    tp = make_touchpoint("store_counter", store=world.store_b)
    login(client, world.manager_a)
    assert client.get(qr(tp, "png")).status_code == 404


def test_list_is_scoped_and_counts_scans(client, world):
    mine = make_touchpoint("store_counter", store=world.store_a, label="Counter A")
    make_touchpoint("store_counter", store=world.store_b, label="Counter B")
    login(client, world.assistant_a)
    html = client.get(reverse("dashboard:touchpoints")).content.decode()
    assert "Counter A" in html and "Counter B" not in html
    assert qr(mine, "svg") in html


def test_manager_creates_touchpoints_for_own_store(client, world):
    login(client, world.manager_a)
    response = client.post(
        reverse("dashboard:touchpoint_create"),
        {
            "kind": "assistant_card",
            "store": world.store_a.pk,
            "assistant": world.assistant_a.pk,
            "label": "Card",
        },
    )
    assert response.status_code == 302
    assert Touchpoint.objects.get(kind="assistant_card").assistant_id == world.assistant_a.pk
    # another store's assistant is not offered, nor accepted
    response = client.post(
        reverse("dashboard:touchpoint_create"),
        {"kind": "assistant_card", "store": world.store_a.pk, "assistant": world.assistant_b.pk},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("dashboard:touchpoint_create"), {"kind": "store_counter", "store": world.store_b.pk}
    )
    assert response.status_code == 422
    assert not Touchpoint.objects.filter(store=world.store_b).exists()


def test_assistant_card_needs_an_assistant_of_that_store(client, world):
    login(client, world.marketer)
    response = client.post(
        reverse("dashboard:touchpoint_create"),
        {"kind": "assistant_card", "store": world.store_a.pk, "assistant": world.assistant_b.pk},
    )
    assert response.status_code == 422
    response = client.post(
        reverse("dashboard:touchpoint_create"), {"kind": "poster", "label": "Spring campaign"}
    )
    assert response.status_code == 302
    assert Touchpoint.objects.get(kind="poster").store_id is None


def test_tag_sheet_and_create_missing_tags(client, world):
    p1, p2 = make_product(), make_product()
    make_touchpoint("product_tag", store=world.store_a, product=p1)
    login(client, world.manager_a)
    url = reverse("dashboard:store_tag_sheet", args=[world.store_a.code])
    html = client.get(url).content.decode()
    assert p1.style_code in html and p2.style_code not in html
    assert "<svg" in html and "create-missing-tags" in html
    response = client.post(reverse("dashboard:store_tags_create", args=[world.store_a.code]))
    assert response.status_code == 302
    assert Touchpoint.objects.filter(kind="product_tag", store=world.store_a).count() == 2
    html = client.get(url).content.decode()
    assert p2.style_code in html and "create-missing-tags" not in html
    # running it again creates nothing new
    client.post(reverse("dashboard:store_tags_create", args=[world.store_a.code]))
    assert Touchpoint.objects.filter(kind="product_tag", store=world.store_a).count() == 2


def test_tag_sheet_scoping_and_roles(client, world):
    make_product()
    login(client, world.manager_a)
    assert (
        client.get(reverse("dashboard:store_tag_sheet", args=[world.store_b.code])).status_code
        == 404
    )
    assert (
        client.post(reverse("dashboard:store_tags_create", args=[world.store_b.code])).status_code
        == 404
    )
    client.force_login(world.assistant_a)
    assert (
        client.get(reverse("dashboard:store_tag_sheet", args=[world.store_a.code])).status_code
        == 200
    )
    assert (
        client.post(reverse("dashboard:store_tags_create", args=[world.store_a.code])).status_code
        == 403
    )
