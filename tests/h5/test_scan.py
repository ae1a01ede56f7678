from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from omniloop.accounts.models import Role
from omniloop.core import clock
from omniloop.touchpoints.models import ScanEvent, Touchpoint, Visitor
from tests.factories import make_product, make_store, make_touchpoint, make_user
from tests.h5.helpers import by_testid

pytestmark = pytest.mark.django_db


def _touchpoint(kind: str, with_store: bool = True) -> tuple[Touchpoint, str]:
    store = make_store()
    if kind == "assistant_card":
        tp = make_touchpoint(kind, store=store, assistant=make_user(Role.ASSISTANT, store=store))
    elif kind == "product_tag":
        product = make_product()
        tp = make_touchpoint(kind, store=store if with_store else None, product=product)
        return tp, f"/m/p/{product.style_code}"
    elif kind == "poster" and not with_store:
        return make_touchpoint(kind, label="Spring campaign"), "/m/"
    else:
        tp = make_touchpoint(kind, store=store)
    return tp, f"/m/store/{store.code}"


@pytest.mark.parametrize(
    ("kind", "with_store"),
    [
        ("store_counter", True),
        ("assistant_card", True),
        ("product_tag", True),
        ("product_tag", False),
        ("poster", True),
        ("poster", False),
    ],
)
def test_scan_redirects_by_kind_and_records_one_scan(
    client: Client, kind: str, with_store: bool
) -> None:
    tp, target = _touchpoint(kind, with_store)
    response = client.get(f"/s/{tp.scene}", HTTP_USER_AGENT="Mozilla/5.0 MicroMessenger")
    assert response.status_code == 302
    assert response.url == target
    scan = ScanEvent.objects.get()
    assert scan.touchpoint_id == tp.pk
    assert scan.store_id == tp.store_id
    assert scan.assistant_id == tp.assistant_id
    assert "MicroMessenger" in scan.user_agent
    assert client.session["h5_scene"] == tp.scene
    cookie = response.cookies["ol_vid"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 365 * 24 * 3600
    assert scan.visitor.key == cookie.value


def test_second_scan_reuses_the_visitor(client: Client) -> None:
    tp, _ = _touchpoint("store_counter")
    client.get(f"/s/{tp.scene}")
    client.get(f"/s/{tp.scene}")
    assert ScanEvent.objects.count() == 2
    assert Visitor.objects.count() == 1


def test_unknown_scene_is_404_with_code_and_no_scan(client: Client) -> None:
    response = client.get("/s/nosuchscene9")
    assert response.status_code == 404
    assert by_testid(response.content, "error-code") == "scene_unknown"
    assert ScanEvent.objects.count() == 0
    assert Visitor.objects.count() == 0
    assert "h5_scene" not in client.session


def test_malformed_scene_is_404(client: Client) -> None:
    response = client.get("/s/NOT-OURS!")
    assert response.status_code == 404
    assert by_testid(response.content, "error-code") == "scene_unknown"


@pytest.mark.parametrize("retire", ["inactive", "expired"])
def test_retired_scene_is_410_with_code_and_no_scan(client: Client, retire: str) -> None:
    tp, _ = _touchpoint("store_counter")
    if retire == "inactive":
        Touchpoint.objects.filter(pk=tp.pk).update(active=False)
    else:
        Touchpoint.objects.filter(pk=tp.pk).update(expires_at=clock.now() - timedelta(days=1))
    response = client.get(f"/s/{tp.scene}")
    assert response.status_code == 410
    assert by_testid(response.content, "error-code") == "scene_expired"
    assert by_testid(response.content, "error-message")
    assert ScanEvent.objects.count() == 0


def test_store_page_names_the_assistant_from_the_scanned_card(client: Client) -> None:
    store = make_store(address="南京西路 1266 号")
    assistant = make_user(Role.ASSISTANT, store=store)
    assistant.display_name = "王小美"
    assistant.save(update_fields=["display_name"])
    tp = make_touchpoint("assistant_card", store=store, assistant=assistant)
    response = client.get(client.get(f"/s/{tp.scene}").url)
    assert response.status_code == 200
    assert by_testid(response.content, "assistant-name") == "王小美"
    assert by_testid(response.content, "store-name") == store.name
    assert by_testid(response.content, "store-address") == "南京西路 1266 号"
    assert by_testid(response.content, "cta-join")


def test_store_page_without_an_assistant_scene(client: Client) -> None:
    store = make_store()
    response = client.get(f"/m/store/{store.code}")
    assert response.status_code == 200
    assert b'data-testid="assistant-name"' not in response.content


def test_unknown_store_is_404(client: Client) -> None:
    response = client.get("/m/store/nope")
    assert response.status_code == 404
    assert by_testid(response.content, "error-code") == "store_not_found"
