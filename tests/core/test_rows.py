"""core.rows: fixed-shape look-ups must give exactly the instances the ORM gives, on SQLite and
PostgreSQL (datetimes, decimals, booleans, JSON and nulls come back through the same converters)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Model

from omniloop.accounts.models import ApiToken
from omniloop.accounts.services import token_authenticate, token_create, token_revoke
from omniloop.core import clock, crypto, rows
from omniloop.members.models import Member
from omniloop.members.selectors import member_by_code
from omniloop.promotions.models import Offer
from tests.factories import make_member, make_store

pytestmark = pytest.mark.django_db


def fields(obj: Model) -> dict[str, object]:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_fetch_one_equals_the_orm_for_every_column_type() -> None:
    offer = Offer.objects.create(
        name="满300减50",
        kind="threshold",
        params={"tiers": [{"spend": "300.00", "off": "50.00"}]},
        channels=["till"],
        tiers=[],
        all_products=True,
        exclusive=True,
        max_discount="80.00",
        starts_at=clock.now() - timedelta(days=1),
    )
    got = rows.fetch_one(Offer, "t.id = %s", [offer.pk])
    assert got is not None
    assert fields(got) == fields(Offer.objects.get(pk=offer.pk))
    assert got.params == {"tiers": [{"spend": "300.00", "off": "50.00"}]}
    assert got.exclusive is True and got.ends_at is None
    assert got.starts_at is not None and got.starts_at.tzinfo is not None
    assert not got._state.adding  # a saved instance: save() updates, not inserts


def test_fetch_one_misses_with_none() -> None:
    assert rows.fetch_one(Member, "t.code = %s", ["NOSUCHCODE"]) is None


def test_member_by_code_follows_merges() -> None:
    survivor, merged = make_member(), make_member()
    Member.objects.filter(pk=merged.pk).update(status=Member.Status.MERGED, merged_into=survivor)
    assert member_by_code(code=merged.code) == survivor
    assert member_by_code(code=survivor.code) == survivor


def test_token_comes_with_its_store_in_one_statement(django_assert_num_queries) -> None:
    store = make_store()
    issued = token_create(name="till", store=store)
    token_authenticate(secret=issued.secret)  # records last use
    with django_assert_num_queries(1):
        token = token_authenticate(secret=issued.secret)
        assert token is not None
        assert fields(token.store) == fields(store)
    assert fields(token) == fields(ApiToken.objects.get(pk=issued.token.pk))


def test_integration_token_has_no_store() -> None:
    issued = token_create(name="crm", role="hq_admin")
    token = token_authenticate(secret=issued.secret)
    assert token is not None and token.store is None and token.role == "hq_admin"


def test_revoked_and_expired_tokens_are_refused() -> None:
    store = make_store()
    revoked = token_create(name="old", store=store)
    token_revoke(token_id=revoked.token.pk)
    expired = token_create(name="exp", store=store)
    ApiToken.objects.filter(pk=expired.token.pk).update(
        expires_at=clock.now() - timedelta(seconds=1)
    )
    assert token_authenticate(secret=revoked.secret) is None
    assert token_authenticate(secret=expired.secret) is None
    assert ApiToken.objects.filter(secret_hash=crypto.token_hash(revoked.secret)).exists()


STARTS = clock.now() - timedelta(days=1)


def _offer(name: str) -> Offer:
    return Offer(
        name=name,
        kind="amount_off",
        params={"amount": 5000},
        channels=["till"],
        all_products=True,
        max_discount="80.00",
        starts_at=STARTS,
    )


def test_insert_writes_what_the_orm_would_and_sets_the_pk() -> None:
    mine, theirs = rows.insert(_offer("fixed")), Offer.objects.create(**_offer_kwargs("orm"))
    assert mine.pk is not None and not mine._state.adding
    got, expected = fields(Offer.objects.get(pk=mine.pk)), fields(Offer.objects.get(pk=theirs.pk))
    stamps = ("id", "name", "created_at", "updated_at")
    assert {k: v for k, v in got.items() if k not in stamps} == {
        k: v for k, v in expected.items() if k not in stamps
    }
    assert got["created_at"] is not None and got["updated_at"] is not None  # auto_now(_add)
    assert {k: v for k, v in fields(mine).items() if k != "max_discount"} == {
        k: v for k, v in got.items() if k != "max_discount"
    }  # as after `create`: the instance keeps the values it was given ("80.00")


def _offer_kwargs(name: str) -> dict[str, object]:
    offer = _offer(name)
    return {f.attname: getattr(offer, f.attname) for f in Offer._meta.concrete_fields[1:]}


def test_insert_many_writes_every_row_in_one_statement(django_assert_num_queries) -> None:
    with django_assert_num_queries(1):
        rows.insert_many([_offer("a"), _offer("b"), _offer("c")])
    assert sorted(Offer.objects.values_list("name", flat=True)) == ["a", "b", "c"]
    rows.insert_many([])  # nothing to write: no statement


def test_fetch_all_equals_the_orm_in_order() -> None:
    for name in ("x", "y", "z"):
        Offer.objects.create(**_offer_kwargs(name))
    got = rows.fetch_all(Offer, "t.name <> %s ORDER BY t.id DESC", ["y"])
    assert [fields(o) for o in got] == [
        fields(o) for o in Offer.objects.exclude(name="y").order_by("-id")
    ]
