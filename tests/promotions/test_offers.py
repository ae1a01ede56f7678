"""Offer services: params by kind, every validation code, and the status machine. On every
failure path nothing is written."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from omniloop.accounts.access import Actor
from omniloop.core.errors import Conflict, NotFound, ValidationFailed
from omniloop.promotions.models import Offer
from omniloop.promotions.offers import (
    offer_activate,
    offer_duplicate,
    offer_end,
    offer_get,
    offer_list,
    offer_pause,
    offer_spec,
    offer_update,
)
from omniloop.promotions.offers import offer_create as _offer_create
from omniloop.promotions.params import validate_params
from omniloop.stores.models import SalesChannel
from tests.factories import make_product, make_store

SH = ZoneInfo("Asia/Shanghai")
TIERS = {"tiers": [[30000, 5000], [50000, 10000]]}


def offer_create(**kw):
    return _offer_create(actor_label="user:1", **kw)


def threshold(**kw):
    fields = {"name": "满300减50", "kind": "threshold", "params": TIERS, "all_products": True}
    fields.update(kw)
    return offer_create(**fields)


def fails(code, fn, **kw):
    with pytest.raises(ValidationFailed) as exc:
        fn(**kw)
    assert exc.value.code == code, exc.value.extra
    return exc.value


# params -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "data", "stored"),
    [
        ("amount_off", {"amount": 5000}, {"amount": 5000, "min_spend": 0}),
        (
            "percent_off",
            {"pay_percent": 80, "cap": 10000},
            {"pay_percent": 80, "cap": 10000, "min_spend": 0},
        ),
        ("percent_off", {"pay_percent": 90}, {"pay_percent": 90, "min_spend": 0}),
        ("threshold", TIERS, TIERS),
        (
            "threshold",
            {"repeat_every": 20000, "repeat_off": 2000},
            {"repeat_every": 20000, "repeat_off": 2000},
        ),
        (
            "gift",
            {"gift_sku_id": 7, "min_spend": 50000},
            {"gift_sku_id": 7, "min_spend": 50000, "quantity": 1},
        ),
        ("buy_x_get_y", {"buy": 2, "get": 1}, {"buy": 2, "get": 1, "get_pay_percent": 0}),
        (
            "member_price",
            {"pay_percent_by_tier": {"gold": 90}},
            {"pay_percent_by_tier": {"gold": 90}},
        ),
        (
            "member_extra",
            {"pay_percent_by_tier": {"silver": 98, "platinum": 90}},
            {"pay_percent_by_tier": {"silver": 98, "platinum": 90}},
        ),
        ("fixed_price", {"price": 19900}, {"price": 19900}),
        ("fixed_price", {"sku_prices": {"12": 9900}}, {"sku_prices": {"12": 9900}}),
        ("free_shipping", {}, {"min_spend": 0}),
    ],
)
def test_valid_params_are_normalised(kind, data, stored):
    assert validate_params(kind, data) == stored


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("amount_off", {}, "amount"),
        ("amount_off", {"amount": 0}, "amount"),
        ("amount_off", {"amount": "50"}, "amount"),
        ("amount_off", {"amount": 50.5}, "amount"),
        ("amount_off", {"amount": 5000, "bonus": 1}, "bonus"),
        ("percent_off", {"pay_percent": 0}, "pay_percent"),
        ("percent_off", {"pay_percent": 100}, "pay_percent"),
        ("percent_off", {"pay_percent": 80, "cap": 0}, "cap"),
        ("threshold", {"tiers": []}, "tiers"),
        ("threshold", {"tiers": [[50000, 10000], [30000, 5000]]}, "params"),
        ("threshold", {"tiers": [[30000, 5000], [50000, 5000]]}, "params"),
        ("threshold", {"tiers": [[30000, 50000]]}, "params"),
        ("threshold", {"repeat_every": 20000, "repeat_off": 30000}, "params"),
        ("threshold", {"repeat_every": 0, "repeat_off": 10}, "repeat_every"),
        ("buy_x_get_y", {"buy": 0, "get": 1}, "buy"),
        ("buy_x_get_y", {"buy": 2, "get": 1, "get_pay_percent": 100}, "get_pay_percent"),
        ("member_price", {"pay_percent_by_tier": {}}, "params"),
        ("member_price", {"pay_percent_by_tier": {"diamond": 90}}, "params"),
        ("member_extra", {"pay_percent_by_tier": {"gold": 120}}, "pay_percent_by_tier.gold"),
        ("fixed_price", {}, "params"),
        ("fixed_price", {"sku_prices": {"abc": 100}}, "params"),
        ("gift", {"min_spend": 100}, "gift_sku_id"),
        ("free_shipping", {"min_spend": -1}, "min_spend"),
    ],
)
def test_invalid_params_name_the_field(kind, data, field):
    with pytest.raises(ValidationFailed) as exc:
        validate_params(kind, data)
    assert exc.value.code == "offer_params_invalid"
    assert field in exc.value.extra["fields"], exc.value.extra


def test_unknown_kind():
    with pytest.raises(ValidationFailed) as exc:
        validate_params("bogo", {})
    assert exc.value.code == "offer_kind_invalid"


# create / update --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_stores_everything_as_a_draft():
    store = make_store("sh1")
    product = make_product("COAT1")
    SalesChannel.objects.create(code="till", name="门店收银", kind="store_till")
    offer = offer_create(
        name="  周末满减 ",
        kind="threshold",
        params=TIERS,
        products=[product],
        categories=[product.category_id],
        channels=["till"],
        stores=[store.pk],
        tiers=["platinum", "gold"],
        starts_at=datetime(2026, 12, 1, tzinfo=SH),
        ends_at=datetime(2027, 1, 1, tzinfo=SH),
        weekdays=[6, 5, 5],
        daily_start=time(10),
        daily_end=time(14),
        stacking_group="site",
        exclusive=True,
        priority=10,
        compound=True,
        max_discount=Decimal("200"),
    )
    offer.refresh_from_db()
    assert offer.status == Offer.Status.DRAFT
    assert offer.name == "周末满减"
    assert offer.params == TIERS
    assert list(offer.products.all()) == [product]
    assert list(offer.stores.all()) == [store]
    assert offer.tiers == ["gold", "platinum"]
    assert offer.weekdays == [5, 6]
    assert offer.max_discount == Decimal("200.00")
    spec = offer_spec(offer=offer)
    assert spec.products == (product.pk,) and spec.categories == (product.category_id,)


VALIDATION_CASES = [
    ("offer_field_unknown", {"colour": "red"}),
    ("offer_name_invalid", {"name": "   "}),
    ("offer_name_invalid", {"name": "x" * 101}),
    ("offer_description_invalid", {"description": "x" * 301}),
    ("offer_kind_invalid", {"kind": "bogo"}),
    ("offer_params_invalid", {"params": {"tiers": [[100, 200]]}}),
    (
        "offer_window_invalid",
        {
            "starts_at": datetime(2026, 12, 2, tzinfo=SH),
            "ends_at": datetime(2026, 12, 1, tzinfo=SH),
        },
    ),
    ("offer_window_invalid", {"starts_at": datetime(2026, 12, 2)}),
    ("offer_weekdays_invalid", {"weekdays": [7]}),
    ("offer_weekdays_invalid", {"weekdays": [-1]}),
    ("offer_hours_invalid", {"daily_start": time(14), "daily_end": time(10)}),
    ("offer_hours_invalid", {"daily_start": time(10), "daily_end": time(10)}),
    ("offer_scope_empty", {"all_products": False, "products": [], "categories": []}),
    ("offer_scope_unknown", {"all_products": False, "products": [999999]}),
    ("offer_scope_unknown", {"stores": [999999]}),
    ("offer_scope_invalid", {"products": ["COAT1"]}),
    ("offer_channel_unknown", {"channels": ["nowhere"]}),
    ("offer_tier_unknown", {"tiers": ["diamond"]}),
    ("offer_stacking_group_invalid", {"stacking_group": "g" * 33}),
    ("offer_priority_invalid", {"priority": -1}),
    ("offer_priority_invalid", {"priority": "1"}),
    ("offer_max_discount_invalid", {"max_discount": Decimal("-0.01")}),
    ("offer_max_discount_invalid", {"max_discount": "lots"}),
    ("offer_gift_sku_unknown", {"kind": "gift", "params": {"gift_sku_id": 999999}}),
    ("offer_sku_unknown", {"kind": "fixed_price", "params": {"sku_prices": {"999999": 100}}}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "changes"), VALIDATION_CASES)
def test_create_refuses_and_writes_nothing(code, changes):
    fields = {"name": "满300减50", "kind": "threshold", "params": TIERS, "all_products": True}
    fields.update(changes)
    fails(code, offer_create, **fields)
    assert not Offer.objects.exists()


@pytest.mark.django_db
def test_create_needs_name_kind_and_params():
    fails("offer_field_missing", offer_create, name="x", kind="amount_off")


@pytest.mark.django_db
@pytest.mark.parametrize(("code", "changes"), VALIDATION_CASES)
def test_update_refuses_and_changes_nothing(code, changes):
    product = make_product()
    offer = threshold(products=[product])
    before = offer_spec(offer=offer)
    fails(code, offer_update, offer_id=offer.pk, actor_label="user:1", **changes)
    offer.refresh_from_db()
    assert offer_spec(offer=offer) == before


@pytest.mark.django_db
def test_update_rechecks_the_whole_offer_and_sets_the_scope():
    product = make_product()
    offer = threshold()
    fails(
        "offer_params_invalid", offer_update, offer_id=offer.pk, actor_label="u", kind="percent_off"
    )
    offer = offer_update(
        offer_id=offer.pk,
        actor_label="u",
        kind="percent_off",
        params={"pay_percent": 80},
        all_products=False,
        products=[product.pk],
    )
    offer.refresh_from_db()
    assert offer.kind == "percent_off" and offer.params == {"pay_percent": 80, "min_spend": 0}
    assert list(offer.products.all()) == [product]
    with pytest.raises(NotFound):
        offer_update(offer_id=999999, actor_label="u", name="x")


# status -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_status_machine():
    offer = threshold()
    assert offer_activate(offer_id=offer.pk).status == "active"
    with pytest.raises(Conflict) as exc:
        offer_activate(offer_id=offer.pk)
    assert exc.value.code == "offer_state_invalid"
    assert offer_pause(offer_id=offer.pk).status == "paused"
    with pytest.raises(Conflict):
        offer_pause(offer_id=offer.pk)
    assert offer_activate(offer_id=offer.pk).status == "active"
    assert offer_end(offer_id=offer.pk).status == "ended"
    for fn in (offer_activate, offer_pause, offer_end):
        with pytest.raises(Conflict):
            fn(offer_id=offer.pk)
    with pytest.raises(Conflict) as exc:
        offer_update(offer_id=offer.pk, actor_label="u", name="again")
    assert exc.value.code == "offer_ended"
    assert Offer.objects.get(pk=offer.pk).status == "ended"
    with pytest.raises(NotFound):
        offer_activate(offer_id=999999)


@pytest.mark.django_db
def test_draft_can_end_and_a_future_offer_is_scheduled():
    draft = threshold()
    assert offer_end(offer_id=draft.pk).status == "ended"
    future = threshold(starts_at=datetime(2999, 1, 1, tzinfo=SH))
    assert offer_activate(offer_id=future.pk).status == "active"


@pytest.mark.django_db
def test_an_offer_whose_window_is_over_cannot_be_activated():
    past = threshold(
        starts_at=datetime(2020, 1, 1, tzinfo=SH), ends_at=datetime(2020, 2, 1, tzinfo=SH)
    )
    fails("offer_window_over", offer_activate, offer_id=past.pk)
    assert Offer.objects.get(pk=past.pk).status == "draft"


@pytest.mark.django_db
def test_duplicate_is_a_draft_copy_with_the_same_scope():
    store = make_store()
    product = make_product()
    offer = threshold(products=[product], stores=[store], all_products=False, priority=5)
    offer_activate(offer_id=offer.pk)
    copy = offer_duplicate(offer_id=offer.pk)
    assert copy.pk != offer.pk and copy.status == "draft"
    assert copy.name == "满300减50 (copy)"
    assert offer_spec(offer=copy) == offer_spec(offer=offer).__class__(
        **{**offer_spec(offer=offer).__dict__, "name": copy.name}
    )
    named = offer_duplicate(offer_id=offer.pk, name="第二轮")
    assert named.name == "第二轮"
    with pytest.raises(NotFound):
        offer_duplicate(offer_id=999999)


# reads ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_store_staff_see_offers_for_all_stores_or_theirs():
    a, b = make_store(), make_store()
    everywhere = threshold(name="everywhere")
    mine = threshold(name="mine", stores=[a])
    theirs = threshold(name="theirs", stores=[b])
    both = threshold(name="both", stores=[a, b])
    staff = Actor(role="store_manager", store_id=a.pk, user_id=1)
    hq = Actor(role="marketer", store_id=None, user_id=2)
    assert {o.name for o in offer_list(actor=staff)} == {"everywhere", "mine", "both"}
    assert offer_list(actor=hq).count() == 4
    assert offer_get(actor=staff, offer_id=mine.pk) == mine
    assert offer_get(actor=staff, offer_id=everywhere.pk) == everywhere
    assert offer_get(actor=staff, offer_id=both.pk) == both
    with pytest.raises(NotFound):
        offer_get(actor=staff, offer_id=theirs.pk)
    assert offer_get(actor=hq, offer_id=theirs.pk) == theirs
    assert offer_list(actor=hq, status="draft", kind="threshold").first().name == "both"


@pytest.mark.django_db
def test_activation_time_is_aware_and_now_is_respected():
    soon = threshold(ends_at=datetime.now(SH) + timedelta(minutes=5))
    assert offer_activate(offer_id=soon.pk).status == "active"
