"""Flash sales and group buys under real concurrency on PostgreSQL: parallel connections released
at once by a barrier, over HTTP where the brief's numbers are about requests."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.db.models import Max, Sum
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from omniloop.accounts.services import token_create
from omniloop.core import clock
from omniloop.core.errors import ApplicationError
from omniloop.promotions import flash_gate
from omniloop.promotions.flash import (
    flash_claim_pay,
    flash_release_expired,
    flash_sale_claim,
)
from omniloop.promotions.group_buy import group_buy_create, group_buy_join, group_buy_settle
from omniloop.promotions.models import (
    Coupon,
    FlashSale,
    FlashSaleClaim,
    FlashSaleTally,
    GroupBuy,
)
from tests.api.helpers import post_json
from tests.concurrency.helpers import run_at_once
from tests.factories import make_member, make_store
from tests.promotions.coupon_helpers import make_offer, make_order
from tests.promotions.flash_helpers import bulk_members, make_flash_sale

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50
CLAIMS_PER_THREAD = 40  # 2,000 claimants in all
REDIS_TEST_URL = "redis://127.0.0.1:6379/14"


class StockWatch:
    """Reads stock_left on its own connection while the race runs; keeps the lowest seen."""

    def __init__(self, sale_id: int) -> None:
        self.sale_id = sale_id
        self.lowest: int | None = None
        self.readings = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                left = FlashSale.objects.values_list("stock_left", flat=True).get(pk=self.sale_id)
                self.lowest = left if self.lowest is None else min(self.lowest, left)
                self.readings += 1
                self._stop.wait(0.005)
        finally:
            connections.close_all()

    def __enter__(self) -> StockWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def _two_thousand_claimants_over_http() -> dict[str, object]:
    sale = make_flash_sale(stock=100, per_member_limit=1)
    members = bulk_members(THREADS * CLAIMS_PER_THREAD)
    codes = [m.code for m in members]
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='t', store=make_store()).secret}"}
    path = f"/api/v1/flash-sales/{sale.pk}/claims"

    def claimant(i: int) -> list[tuple[int, str]]:
        client = Client()
        out = []
        for j in range(CLAIMS_PER_THREAD):
            body = {"member_code": codes[i * CLAIMS_PER_THREAD + j], "quantity": 1}
            r = post_json(client, path, body, **auth)
            out.append((r.status_code, r.json().get("error", {}).get("code", "")))
        return out

    with StockWatch(sale.pk) as watch:
        results = run_at_once(THREADS, claimant)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    outcomes = Counter(item for thread in results for item in thread)
    sale.refresh_from_db()
    tallies = FlashSaleTally.objects.filter(flash_sale=sale)
    assert outcomes == {(201, ""): 100, (409, "flash_sold_out"): 1900}, outcomes
    assert sale.stock_left == 0
    assert watch.readings > 0 and watch.lowest is not None and watch.lowest >= 0
    assert FlashSaleClaim.objects.filter(flash_sale=sale, state="held").count() == 100
    assert tallies.aggregate(n=Sum("quantity"))["n"] == 100
    assert tallies.aggregate(m=Max("quantity"))["m"] == 1
    assert tallies.filter(quantity__gt=0).count() == 100
    return {"sale": sale}


def test_stock_100_and_2000_simultaneous_claimants_make_exactly_100_claims():
    _two_thousand_claimants_over_http()


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=0.5)
    try:
        client.flushdb()
    except redis.exceptions.RedisError:
        pytest.skip("needs Redis on 127.0.0.1:6379")
    with override_settings(REDIS_URL=REDIS_TEST_URL):
        yield client
    client.flushdb()


def test_the_same_with_the_redis_gate_in_front(redis_db):
    outcome = _two_thousand_claimants_over_http()
    sale = outcome["sale"]
    assert int(redis_db.get(flash_gate._key(sale.pk))) == 0


def test_the_redis_gate_never_lets_the_counter_drift_below_the_stock(redis_db):
    """Refusals after the gate give the units back; the last units still sell."""
    sale = make_flash_sale(stock=3, per_member_limit=1)
    member = make_member()
    flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    for _ in range(5):  # over the member's limit: passes the gate, refused by the database
        with pytest.raises(ApplicationError):
            flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
    assert int(redis_db.get(flash_gate._key(sale.pk))) == 2
    for _ in range(2):
        flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1)
    with pytest.raises(ApplicationError) as info:
        flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1)
    assert info.value.code == "flash_sold_out"
    # An expired hold comes back: the counter is dropped and reloaded from the database.
    FlashSaleClaim.objects.filter(member=member).update(held_until=clock.now())
    assert flash_release_expired() == 1
    assert redis_db.get(flash_gate._key(sale.pk)) is None
    flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1)
    assert int(redis_db.get(flash_gate._key(sale.pk))) == 0


def test_once_sold_out_the_gate_turns_claims_away_before_the_member_look_up(redis_db):
    sale = make_flash_sale(stock=1)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token_create(name='t', store=make_store()).secret}"}
    path = f"/api/v1/flash-sales/{sale.pk}/claims"
    r = post_json(Client(), path, {"member_code": make_member().code}, **auth)
    assert r.status_code == 201
    late = make_member()
    with CaptureQueriesContext(connections["default"]) as queries:
        r = post_json(Client(), path, {"member_code": late.code}, **auth)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "flash_sold_out")
    assert not any("members_member" in q["sql"] for q in queries.captured_queries)
    assert not any("promotions_flashsale" in q["sql"] for q in queries.captured_queries)
    r = post_json(Client(), path, {"member_code": make_member().code, "quantity": 0}, **auth)
    assert r.json()["error"]["code"] == "quantity_invalid"


def test_redis_down_means_the_database_decides_alone():
    sale = make_flash_sale(stock=2, per_member_limit=1)
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        results = run_at_once(
            6,
            lambda i: flash_sale_claim(
                flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1
            ),
        )
    assert sum(not isinstance(r, BaseException) for r in results) == 2
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {"flash_sold_out"}


def test_one_member_twenty_parallel_claims_limit_two_gets_exactly_two():
    sale = make_flash_sale(stock=100, per_member_limit=2)
    member = make_member()

    def claim(_: int) -> str:
        try:
            flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1)
            return "ok"
        except ApplicationError as exc:
            return exc.code

    results = run_at_once(20, claim)
    assert Counter(results) == {"ok": 2, "flash_member_limit": 18}, results
    sale.refresh_from_db()
    assert sale.stock_left == 98
    assert FlashSaleTally.objects.get(flash_sale=sale, member=member).quantity == 2
    assert FlashSaleClaim.objects.filter(flash_sale=sale).count() == 2


def test_paying_and_releasing_an_expired_claim_at_once_one_wins():
    sale = make_flash_sale(stock=10, hold_minutes=1)
    member = make_member()
    order = make_order(member.pk)
    at = clock.now() - timedelta(minutes=2)
    claim = flash_sale_claim(flash_sale_id=sale.pk, member_id=member.pk, quantity=1, at=at)
    within_hold = at + timedelta(seconds=30)

    def act(i: int) -> str:
        if i % 2:
            return f"released {flash_release_expired()}"
        try:
            flash_claim_pay(claim_id=claim.claim_id, order_id=order.pk, at=within_hold)
            return "paid"
        except ApplicationError as exc:
            return exc.code

    results = run_at_once(8, act)
    state = FlashSaleClaim.objects.get(pk=claim.claim_id).state
    sale.refresh_from_db()
    if state == "paid":
        assert sale.stock_left == 9 and "released 1" not in results
    else:
        assert state == "released" and sale.stock_left == 10 and "paid" not in results
        assert results.count("released 1") == 1


def test_ten_members_join_a_group_buy_of_five_at_once():
    group_buy = group_buy_create(
        name="拼团",
        offer_id=make_offer().pk,
        min_members=5,
        deadline=clock.now() + timedelta(hours=1),
    )
    members = [make_member() for _ in range(10)]
    results = run_at_once(
        10, lambda i: group_buy_join(group_buy_id=group_buy.pk, member_id=members[i].pk)
    )
    assert all(not isinstance(r, BaseException) for r in results), results
    assert sum(r.unlocked_now for r in results) == 1
    group_buy.refresh_from_db()
    assert (group_buy.state, group_buy.joined_count) == ("unlocked", 10)
    coupons = Coupon.objects.filter(template=group_buy.coupon_template)
    assert sorted(coupons.values_list("member_id", flat=True)) == sorted(m.pk for m in members)


def test_joins_racing_the_settle_at_the_deadline_either_count_or_are_refused():
    group_buy = group_buy_create(
        name="拼团",
        offer_id=make_offer().pk,
        min_members=20,
        deadline=clock.now() + timedelta(hours=1),
    )
    members = [make_member() for _ in range(10)]
    just_before = group_buy.deadline - timedelta(microseconds=1)

    def act(i: int) -> str:
        if i == 0:
            return f"lapsed {group_buy_settle(at=group_buy.deadline)}"
        try:
            group_buy_join(group_buy_id=group_buy.pk, member_id=members[i].pk, at=just_before)
            return "joined"
        except ApplicationError as exc:
            return exc.code

    results = run_at_once(10, act)
    group_buy = GroupBuy.objects.get(pk=group_buy.pk)
    assert results[0] == "lapsed 1" and group_buy.state == "lapsed"
    joined = results.count("joined")
    assert set(results[1:]) <= {"joined", "group_buy_closed"}
    assert group_buy.joined_count == joined == group_buy.participants.count()
    assert Coupon.objects.count() == 0
