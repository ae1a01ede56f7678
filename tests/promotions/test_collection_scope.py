"""Offers scoped to collections (商品合集): the spec, the quote, the offer index and its
invalidation when a collection's products change."""

from __future__ import annotations

import pytest

from omniloop.catalog.collection_services import (
    collection_add_products,
    collection_create,
    collection_remove_products,
)
from omniloop.catalog.models import Collection, CollectionItem
from omniloop.core.errors import ValidationFailed
from omniloop.promotions import offer_index
from omniloop.promotions.offers import offer_duplicate, offer_spec, offer_update
from omniloop.promotions.pricing import basket_from_items
from omniloop.promotions.selectors import offer_candidates
from omniloop.promotions.values import Reason
from tests.factories import make_member, make_product
from tests.promotions.pricing_helpers import (
    coupon_offer,
    issued_coupon,
    live_offer,
    make_shop,
    till_quote,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop():
    """The pricing shop, a ¥199 scarf (SC300), and the jacket alone in the autumn capsule."""
    shop = make_shop()
    shop.scarf = make_product("SC300", price="199.00")
    shop.capsule = collection_create(code="autumn", name="秋季胶囊系列", products=[shop.jacket])
    return shop


def capsule_offer(shop, **kw):
    fields = {
        "name": "秋季胶囊 9折",
        "kind": "percent_off",
        "params": {"pay_percent": 90},
        "all_products": False,
        "collections": [shop.capsule.pk],
    }
    fields.update(kw)
    return live_offer(**fields)


def rejected(q, offer):
    return [r.reason for r in q.quote.rejected if r.offer_id == offer.pk]


# the spec ---------------------------------------------------------------------------------------


def test_collections_are_part_of_the_offer_spec_and_its_copies(shop):
    offer = capsule_offer(shop)
    assert list(offer.collections.all()) == [shop.capsule]
    assert offer_spec(offer=offer).collections == (shop.capsule.pk,)
    copy = offer_duplicate(offer_id=offer.pk)
    assert list(copy.collections.all()) == [shop.capsule]


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"collections": [999999]}, "offer_scope_unknown"),
        ({"collections": ["autumn"]}, "offer_scope_invalid"),
        ({"collections": []}, "offer_scope_empty"),
    ],
)
def test_a_collection_scope_is_checked_like_the_others(shop, changes, code):
    offer = capsule_offer(shop)
    with pytest.raises(ValidationFailed) as exc:
        offer_update(offer_id=offer.pk, actor_label="t", **changes)
    assert exc.value.code == code
    assert exc.value.extra["field"] in ("collections", "products")
    assert list(offer.collections.all()) == [shop.capsule]


# the quote --------------------------------------------------------------------------------------


def test_a_collection_offer_applies_to_its_products_and_to_no_other(shop):
    offer = capsule_offer(shop)
    q = till_quote(shop, [("JK100-M", 1), ("TS200-M", 2)])
    assert [line.discount for line in q.quote.lines] == [3990, 0]
    assert [(a.offer_id, a.amount) for a in q.quote.applied] == [(offer.pk, 3990)]
    # With no line in the collection the index does not even make it a candidate.
    alone = till_quote(shop, [("TS200-M", 1)])
    assert alone.quote.discount == 0 and alone.quote.applied == ()
    assert offer.pk not in {c.rule.id for c in alone.candidates}


def test_lines_outside_the_collection_do_not_count_towards_its_threshold(shop):
    """满450减50 on the capsule: jacket ¥399 + tee ¥99.50 is ¥498.50, but only ¥399 of it is
    in the collection."""
    offer = capsule_offer(
        shop, name="满450减50", kind="threshold", params={"tiers": [[45000, 5000]]}
    )
    q = till_quote(shop, [("JK100-M", 1), ("TS200-M", 1)])
    assert q.quote.discount == 0
    assert rejected(q, offer) == [Reason.THRESHOLD_NOT_MET]
    q = till_quote(shop, [("JK100-M", 2), ("TS200-M", 1)])
    assert [line.discount for line in q.quote.lines] == [5000, 0]


def test_products_categories_and_collections_are_alternatives(shop):
    """Scoped to the tee, to a category none of the three is in, and to the capsule: the
    jacket (in the capsule) and the tee (listed) get it, the scarf does not."""
    from omniloop.catalog.models import Category

    shoes = Category.objects.create(code="shoes", name="鞋履", name_en="Shoes")
    capsule_offer(shop, products=[shop.tee.pk], categories=[shoes.pk])
    q = till_quote(shop, [("JK100-M", 1), ("TS200-M", 1), ("SC300-M", 1)])
    assert [line.discount for line in q.quote.lines] == [3990, 995, 0]


def test_a_coupon_on_a_collection_offer_needs_a_product_in_it(shop):
    member = make_member()
    offer = coupon_offer(
        name="胶囊券",
        kind="amount_off",
        params={"amount": 5000},
        all_products=False,
        collections=[shop.capsule.pk],
    )
    coupon = issued_coupon(member, offer)
    off = till_quote(shop, [("TS200-M", 1)], member=member, codes=[coupon.code])
    assert off.coupons_not_applied == [(coupon.code, Reason.NO_ELIGIBLE_ITEMS.value)]
    on = till_quote(shop, [("JK100-M", 1)], member=member, codes=[coupon.code])
    assert [(c.code, fen) for c, fen in on.coupons_used] == [(coupon.code, 5000)]


# the index --------------------------------------------------------------------------------------


def test_the_index_finds_collection_offers_only_for_lines_in_the_collection(shop):
    offer = capsule_offer(shop)
    jacket = basket_from_items(items=[("JK100-M", 1)])
    assert jacket[0].collection_ids == frozenset({shop.capsule.pk})
    found = offer_candidates(lines=jacket, channel="store-till", store_id=shop.store.pk)
    assert [c.rule.id for c in found] == [offer.pk]
    tee = basket_from_items(items=[("TS200-M", 1)])
    assert tee[0].collection_ids == frozenset()
    assert offer_candidates(lines=tee, channel="store-till", store_id=shop.store.pk) == []


def test_adding_a_product_to_the_collection_invalidates_the_index(shop):
    offer = capsule_offer(shop)
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 0  # the index is built
    generation = offer_index._generation
    collection_add_products(collection_id=shop.capsule.pk, products=[shop.tee])
    assert offer_index._generation > generation
    q = till_quote(shop, [("TS200-M", 1)])
    assert [(a.offer_id, a.amount) for a in q.quote.applied] == [(offer.pk, 995)]
    collection_remove_products(collection_id=shop.capsule.pk, products=[shop.tee])
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 0


def test_collection_changes_by_another_process_are_seen_through_the_fingerprint(shop):
    """No signal reaches this process for another worker's edit: the fingerprint has the
    collection items (and the offers' collection scope) in it."""
    capsule_offer(shop)
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 0
    generation = offer_index._generation
    CollectionItem.objects.bulk_create(
        [CollectionItem(collection=shop.capsule, product=shop.tee, position=9)]
    )
    assert offer_index._generation == generation  # no signal for bulk_create
    assert till_quote(shop, [("TS200-M", 1)]).quote.discount == 995
    summer = Collection.objects.create(code="summer", name="夏季")
    CollectionItem.objects.bulk_create([CollectionItem(collection=summer, product=shop.scarf)])
    offer = capsule_offer(shop, name="夏季 ¥10", kind="amount_off", params={"amount": 1000})
    assert till_quote(shop, [("SC300-M", 1)]).quote.discount == 0
    through = offer.collections.through
    through.objects.bulk_create([through(offer_id=offer.pk, collection_id=summer.pk)])
    assert till_quote(shop, [("SC300-M", 1)]).quote.discount == 1000
