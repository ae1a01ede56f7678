"""Collection edits at once on PostgreSQL: the row lock makes concurrent adds merge, never
clash or lose one."""

from __future__ import annotations

import pytest

from omniloop.catalog.collection_services import collection_add_products, collection_create
from omniloop.catalog.models import CollectionItem
from tests.concurrency.helpers import run_at_once
from tests.factories import make_product

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_people_adding_a_product_each_all_get_theirs_in_distinct_places():
    products = [make_product() for _ in range(20)]
    collection = collection_create(code="best", name="人气榜")
    results = run_at_once(
        20,
        lambda i: collection_add_products(collection_id=collection.pk, products=[products[i]]),
    )
    assert results == [1] * 20
    items = CollectionItem.objects.filter(collection=collection)
    assert {i.product_id for i in items} == {p.pk for p in products}
    assert sorted(i.position for i in items) == list(range(20))


def test_ten_people_adding_the_same_product_add_it_once():
    product = make_product()
    collection = collection_create(code="best", name="人气榜")
    results = run_at_once(
        10, lambda _: collection_add_products(collection_id=collection.pk, products=[product])
    )
    assert sorted(results) == [0] * 9 + [1]
    assert CollectionItem.objects.filter(collection=collection).count() == 1
