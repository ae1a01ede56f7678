from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, F, Sum

from omniloop.accounts.models import Role, User
from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.catalog.collection_selectors import collection_products
from omniloop.catalog.models import Category, Collection, OutfitLink, ProductPhoto, Sku
from omniloop.core.brand import brand_settings
from omniloop.core.phones import Phone, parse_phone
from omniloop.listings.models import ChannelListing
from omniloop.listings.selectors import listing_drift
from omniloop.loyalty.models import LedgerEntry, LedgerTransaction, TransactionKind
from omniloop.loyalty.selectors import ledger_audit
from omniloop.members.codes import is_valid_member_code
from omniloop.members.models import ConsentRecord, IdentityKind, Member, MemberIdentity
from omniloop.orders.models import Order, OrderLine
from omniloop.promotions.models import Offer
from omniloop.promotions.pricing import quote
from omniloop.stores.models import SalesChannel, Store
from omniloop.stores.selectors import channel_for_store_till
from omniloop.touchpoints.models import ScanEvent, Touchpoint

pytestmark = pytest.mark.django_db
SMALL = {"members": 300, "months": 1}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def load(**kw: object) -> str:
    out = StringIO()
    call_command("demo_load", stdout=out, **{**SMALL, **kw})
    return out.getvalue()


def snapshot() -> dict[str, int]:
    models = (
        Store,
        SalesChannel,
        User,
        Sku,
        ProductPhoto,
        OutfitLink,
        Touchpoint,
        Member,
        MemberIdentity,
        ConsentRecord,
        MemberBinding,
        BindingChange,
        ScanEvent,
        LedgerTransaction,
        LedgerEntry,
        Order,
        OrderLine,
    )
    return {m.__name__: m._default_manager.count() for m in models}


def test_load_builds_the_brand_and_prints_urls_and_logins():
    output = load()
    assert Store.objects.count() >= 12
    assert Store.objects.values("city").distinct().count() == 4
    assert Store.objects.filter(status=Store.Status.PLANNED).count() == 1
    assert User.objects.filter(role=Role.ASSISTANT).count() >= 60
    assert Sku.objects.count() >= 300
    assert Sku.objects.values("barcode").distinct().count() == Sku.objects.count()
    assert Member.objects.count() == 300
    assert all(is_valid_member_code(c) for c in Member.objects.values_list("code", flat=True))
    assert Order.objects.count() > 0
    assert set(SalesChannel.objects.values_list("code", flat=True)) == {
        "store-till",
        "wechat-mall",
        "web-mall",
        "tmall",
        "jd",
    }
    assert brand_settings().name == "衣见 YIJIAN"
    welcomes = LedgerTransaction.objects.filter(
        kind=TransactionKind.EARN, reference__startswith="welcome:"
    )
    assert welcomes.count() == 300
    assert ledger_audit() == []
    assert ProductPhoto.objects.exists()
    photo = ProductPhoto.objects.first()
    assert photo is not None
    with photo.image.open() as f:
        assert f.read().startswith(b"<svg")
    assert User.objects.get(username="sh01-a1").check_password("omniloop-demo")
    card = Touchpoint.objects.get(kind="assistant_card", assistant__username="sh01-a1")
    for text in (
        "http://127.0.0.1:8000/dashboard/",
        f"/s/{card.scene}",
        "/api/docs",
        "hq",
        "marketing",
        "service",
        "sh01-manager",
        "sh01-a1",
        "omniloop-demo",
    ):
        assert text in output


def test_phones_are_stored_only_encrypted():
    load()
    phones = MemberIdentity.objects.filter(kind=IdentityKind.PHONE)
    assert phones.count() == 300
    plain: set[str] = set()
    for identity in phones:
        assert identity.cipher is not None
        phone = Phone.decrypt(bytes(identity.cipher))
        assert parse_phone(phone.e164) == phone
        assert identity.value == phone.index
        assert identity.masked == phone.masked and "****" in identity.masked
        plain |= {phone.e164, phone.national}
    columns = [
        *MemberIdentity.objects.values_list("value", "masked", "namespace", "source"),
        *Member.objects.values_list("code", "name", "city", "join_source"),
    ]
    for row in columns:
        assert not plain & set(row)


def test_bindings_keep_their_recruiter_or_explain_the_move():
    load()
    bindings = MemberBinding.objects.all()
    assert bindings.count() > 0.7 * 300
    assert BindingChange.objects.filter(kind="initial").count() == bindings.count()
    for b in bindings:
        assert b.protected_until > b.bound_at
        if b.store_id != b.recruited_store_id:
            assert BindingChange.objects.filter(
                member_id=b.member_id, kind__in=("takeover", "rebind"), to_store_id=b.store_id
            ).exists()


def test_order_totals_are_the_sum_of_their_lines():
    load()
    orders = Order.objects.annotate(lines_sum=Sum("lines__amount"), n=Count("lines"))
    for order in orders:
        assert 1 <= order.n <= 4
        assert order.total == order.lines_sum
        assert order.total >= 0
    for line in OrderLine.objects.all():
        assert line.amount == line.unit_price * line.quantity - line.discount
    till = Order.objects.filter(channel__code="store-till")
    assert till.exists() and not till.filter(store=None).exists()
    assert not till.exclude(credited_store=F("store")).exists()
    online = Order.objects.exclude(channel__code="store-till")
    assert not online.filter(credit_rule="online_bound_member", credited_store=None).exists()


def test_same_seed_same_brand():
    load(reset=True)
    first = (
        sorted(Member.objects.values_list("code", flat=True)),
        list(Store.objects.values_list("code", flat=True)),
        sorted(Touchpoint.objects.values_list("scene", flat=True)),
        sorted(Sku.objects.values_list("barcode", flat=True)),
    )
    orders = Order.objects.count()
    load(reset=True)
    second = (
        sorted(Member.objects.values_list("code", flat=True)),
        list(Store.objects.values_list("code", flat=True)),
        sorted(Touchpoint.objects.values_list("scene", flat=True)),
        sorted(Sku.objects.values_list("barcode", flat=True)),
    )
    assert first == second
    assert Order.objects.count() == orders
    load(reset=True, seed=7)
    assert sorted(Member.objects.values_list("code", flat=True)) != first[0]


def test_second_load_without_reset_changes_nothing():
    load()
    before = snapshot()
    output = load()
    assert "Demo brand already loaded" in output
    assert "sh01-a1" in output
    assert snapshot() == before


def test_reset_keeps_superusers_and_demo_info_prints_the_logins():
    User.objects.create_superuser("root", "root@example.com", "pw", role=Role.HQ_ADMIN)
    load()
    load(reset=True)
    assert User.objects.filter(username="root").exists()
    out = StringIO()
    call_command("demo_info", stdout=out)
    assert "http://127.0.0.1:8000/api/docs" in out.getvalue()
    assert "sh01-manager" in out.getvalue()


def test_load_refuses_a_database_with_brand_data_but_no_stores():
    channel_for_store_till()  # created by the till service on first use: not in the way
    Category.objects.create(code="tops", name="上装")
    with pytest.raises(CommandError, match="--reset"):
        load()
    assert not Member.objects.exists()
    load(reset=True)
    assert SalesChannel.objects.get(code="store-till").external_id


def _collections() -> dict[str, list[str]]:
    return {
        c.code: [p.style_code for p in collection_products(collection=c)]
        for c in Collection.objects.order_by("code")
    }


def test_collections_and_the_offer_on_one_are_the_same_for_a_seed():
    load(reset=True)
    first = _collections()
    assert sorted(first) == ["autumn-capsule", "best-sellers"]
    assert len(first["autumn-capsule"]) == 8 and len(first["best-sellers"]) == 10
    load(reset=True)
    assert _collections() == first
    capsule = Collection.objects.get(code="autumn-capsule")
    offer = Offer.objects.get(collections=capsule)
    assert offer.status == Offer.Status.ACTIVE and not offer.all_products
    inside = collection_products(collection=capsule)[0].skus.first()
    priced = quote(
        items=[(inside.sku_code, 1)],
        channel_code="store-till",
        store_id=Store.objects.get(code="sh01").pk,
        member_id=None,
        coupon_codes=[],
    )
    assert offer.pk in {a.offer_id for a in priced.quote.applied}


def test_marketplace_listings_mostly_agree_and_some_drift():
    load()
    assert ChannelListing.objects.filter(channel__code="tmall").count() > 30
    tmall = listing_drift(channel_code="tmall")
    kinds = sorted(row.field.value for row in tmall.rows)
    assert kinds == [
        "description",
        "missing_listing",
        "missing_listing",
        "price",
        "price",
        "price",
        "stale_listing",
        "title",
        "title",
    ]
    assert {r.field.value for r in listing_drift(channel_code="jd").rows} == {
        "price",
        "title",
        "stale_listing",
        "missing_listing",
    }
    web = listing_drift(channel_code="web-mall").rows
    assert [r.field.value for r in web] == ["description"]
    # The H5 prints the engine's price, 满300减50 and the online coat offer included.
    wechat = listing_drift(channel_code="wechat-mall")
    assert wechat.checked > 50 and wechat.rows == ()
