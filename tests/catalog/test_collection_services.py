"""Collection services: create, edit, add and remove products as deltas, the reads; on every
failure path nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from omniloop.catalog import collection_services
from omniloop.catalog.collection_selectors import (
    collection_get,
    collection_list,
    collection_memberships,
    collection_products,
)
from omniloop.catalog.collection_services import (
    collection_add_products,
    collection_create,
    collection_remove_products,
    collection_update,
)
from omniloop.catalog.models import Collection, CollectionItem
from omniloop.core import clock
from omniloop.core.errors import NotFound, ValidationFailed
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def codes(collection: Collection) -> list[str]:
    return [p.style_code for p in collection_products(collection=collection)]


@pytest.fixture
def products():
    return [make_product(f"CP{i}") for i in range(4)]


def test_create_keeps_the_products_in_the_order_given(products):
    a, b, c, _ = products
    collection = collection_create(
        code=" Autumn-Capsule ",
        name=" 秋季胶囊系列 ",
        name_en="Autumn capsule",
        description="四款当季",
        products=[c, a.pk, b, a],
    )
    assert (collection.code, collection.name, collection.active) == (
        "autumn-capsule",
        "秋季胶囊系列",
        True,
    )
    assert codes(collection) == ["CP2", "CP0", "CP1"]
    assert list(
        CollectionItem.objects.filter(collection=collection).values_list("position", flat=True)
    ) == [0, 1, 2]
    assert collection_list().get().product_count == 3
    assert collection_get(code="autumn-capsule") == collection


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"code": "秋季"}, "collection_code_invalid", "code"),
        ({"code": "-lead"}, "collection_code_invalid", "code"),
        ({"code": "x" * 33}, "collection_code_invalid", "code"),
        ({"name": "  "}, "collection_name_invalid", "name"),
        ({"name": "x" * 51}, "collection_text_too_long", "name"),
        ({"description": "x" * 2001}, "collection_text_too_long", "description"),
        ({"products": [999999]}, "collection_product_unknown", "products"),
        ({"products": ["CP0"]}, "collection_product_invalid", "products"),
    ],
)
def test_create_refuses_and_writes_nothing(products, changes, code, field):
    fields = {"code": "best", "name": "人气榜", "products": [products[0].pk], **changes}
    with pytest.raises(ValidationFailed) as exc:
        collection_create(**fields)
    assert (exc.value.code, exc.value.extra["field"]) == (code, field)
    assert not Collection.objects.exists() and not CollectionItem.objects.exists()


def test_a_code_is_taken_once(products):
    collection_create(code="best", name="人气榜")
    with pytest.raises(ValidationFailed) as exc:
        collection_create(code="BEST", name="另一个", products=[products[0]])
    assert exc.value.code == "collection_code_taken"
    assert Collection.objects.count() == 1 and not CollectionItem.objects.exists()


def test_update_changes_words_and_membership_in_one_go(products):
    a, b, c, d = products
    collection = collection_create(code="best", name="人气榜", products=[a, b, c])
    later = clock.now() + timedelta(minutes=5)
    with freeze_time(later):
        collection_update(
            collection_id=collection.pk,
            name="人气 TOP",
            active=False,
            remove_products=[b, d],
            add_products=[d, a],
        )
    collection.refresh_from_db()
    assert (collection.name, collection.active, collection.updated_at) == ("人气 TOP", False, later)
    assert codes(collection) == ["CP0", "CP2", "CP3"]  # a stays where it was; d at the end


def test_adding_and_removing_are_deltas_that_say_what_they_did(products):
    a, b, c, _ = products
    collection = collection_create(code="best", name="人气榜", products=[a])
    assert collection_add_products(collection_id=collection.pk, products=[b, a, c]) == 2
    assert collection_add_products(collection_id=collection.pk, products=[b]) == 0
    assert codes(collection) == ["CP0", "CP1", "CP2"]
    assert collection_remove_products(collection_id=collection.pk, products=[a, products[3]]) == 1
    assert collection_remove_products(collection_id=collection.pk, products=[a]) == 0
    assert codes(collection) == ["CP1", "CP2"]
    # A product removed and added again goes to the end.
    collection_add_products(collection_id=collection.pk, products=[a])
    assert codes(collection) == ["CP1", "CP2", "CP0"]


def test_a_membership_change_moves_updated_at(products):
    collection = collection_create(code="best", name="人气榜")
    later = clock.now() + timedelta(hours=1)
    with freeze_time(later):
        collection_add_products(collection_id=collection.pk, products=[products[0]])
    collection.refresh_from_db()
    assert collection.updated_at == later


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"code": "other"}, "collection_field_unknown"),
        ({"name": ""}, "collection_name_invalid"),
        ({"add_products": [999999]}, "collection_product_unknown"),
        ({"remove_products": [True]}, "collection_product_invalid"),
    ],
)
def test_update_refuses_and_writes_nothing(products, changes, code):
    collection = collection_create(code="best", name="人气榜", products=[products[0]])
    with pytest.raises(ValidationFailed) as exc:
        collection_update(collection_id=collection.pk, **{"add_products": [products[1]], **changes})
    assert exc.value.code == code
    collection.refresh_from_db()
    assert (collection.code, collection.name) == ("best", "人气榜")
    assert codes(collection) == ["CP0"]


def test_a_collection_holds_a_bounded_number_of_products(products, monkeypatch):
    monkeypatch.setattr(collection_services, "MAX_PRODUCTS", 2)
    collection = collection_create(code="best", name="人气榜", products=products[:2])
    with pytest.raises(ValidationFailed) as exc:
        collection_add_products(collection_id=collection.pk, products=[products[2]])
    assert exc.value.code == "collection_too_large"
    assert codes(collection) == ["CP0", "CP1"]


def test_unknown_collections_are_not_found():
    with pytest.raises(NotFound) as exc:
        collection_update(collection_id=999999, name="x")
    assert exc.value.code == "collection_not_found"
    with pytest.raises(NotFound):
        collection_get(code="nope")


def test_memberships_map_each_product_to_its_collections(products):
    a, b, c, _ = products
    one = collection_create(code="one", name="一", products=[a, b])
    two = collection_create(code="two", name="二", products=[b], active=False)
    assert collection_memberships() == {
        a.pk: frozenset({one.pk}),
        b.pk: frozenset({one.pk, two.pk}),
    }
    assert [x.code for x in collection_list(active=True)] == ["one"]
    assert c.pk not in collection_memberships()
