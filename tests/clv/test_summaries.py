"""Which orders count, and how they fold into calendar-day transactions per member."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from omniloop.clv.summaries import clv_summaries
from omniloop.members.models import Member
from omniloop.orders.models import Order
from tests.clv.helpers import member, place_order
from tests.factories import make_store

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")


def at(text: str, tz: ZoneInfo = SH) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=tz)


def row(as_of: date | datetime, who: Member, unit_days: int = 1) -> dict[str, float] | None:
    s = clv_summaries(as_of=as_of, unit_days=unit_days)
    for i, member_id in enumerate(s.member_ids.tolist()):
        if member_id == who.pk:
            return {
                "frequency": float(s.frequency[i]),
                "recency": float(s.recency[i]),
                "age": float(s.age[i]),
                "monetary": float(s.monetary_value[i]),
                "total": float(s.total_value[i]),
            }
    return None


def test_two_purchases_on_one_local_day_are_one_transaction() -> None:
    store = make_store(timezone="Asia/Shanghai")
    m = member("m1")
    # 00:30 and 23:30 Shanghai on 10 March: 9 and 10 March in UTC, one day in the store.
    place_order(m, store, at("2026-03-10T00:30"), "30.00")
    place_order(m, store, at("2026-03-10T23:30"), "20.00")
    assert row(date(2026, 3, 20), m) == {
        "frequency": 0,
        "recency": 0,
        "age": 10,
        "monetary": 0,
        "total": 50.0,
    }


def test_23_30_and_00_30_the_next_local_day_are_two_transactions() -> None:
    store = make_store(timezone="Asia/Shanghai")
    m = member("m1")
    # One UTC day (15:30 and 16:30 UTC on 10 March), two days in the store.
    place_order(m, store, at("2026-03-10T23:30"), "30.00")
    place_order(m, store, at("2026-03-11T00:30"), "20.00")
    assert row(date(2026, 3, 20), m) == {
        "frequency": 1,
        "recency": 1,
        "age": 10,
        "monetary": 20.0,
        "total": 50.0,
    }


def test_days_are_the_store_local_days_not_the_brand_time_zone() -> None:
    ny = make_store(timezone="America/New_York")
    m = member("m1")
    # 23:30 and 00:30 New York: in Shanghai (the brand's zone) both fall on 11 March.
    place_order(m, ny, at("2026-03-10T23:30", NY), "30.00")
    place_order(m, ny, at("2026-03-11T00:30", NY), "20.00")
    # And two in one New York day that Shanghai splits across two days.
    place_order(m, ny, at("2026-03-12T08:00", NY), "5.00")
    place_order(m, ny, at("2026-03-12T13:00", NY), "5.00")
    got = row(date(2026, 3, 20), m)
    assert got is not None
    assert (got["frequency"], got["recency"], got["age"]) == (2, 2, 10)
    assert got["monetary"] == pytest.approx((20 + 10) / 2)


def test_one_day_in_two_zones_is_one_transaction_storeless_orders_in_the_brand_zone() -> None:
    sh, ny = make_store(timezone="Asia/Shanghai"), make_store(timezone="America/New_York")
    m = member("m1")
    place_order(m, sh, at("2026-03-10T09:00"), "10.00")
    place_order(m, ny, at("2026-03-10T21:00", NY), "15.00")  # 11 March in Shanghai
    place_order(m, None, at("2026-03-12T23:30"), "7.00")  # an online order: Shanghai's 12th
    place_order(m, None, at("2026-03-13T00:30"), "3.00")  # and the 13th
    got = row(date(2026, 3, 20), m)
    assert got is not None
    assert (got["frequency"], got["recency"], got["age"]) == (2, 3, 10)
    assert got["monetary"] == pytest.approx((7 + 3) / 2)
    assert got["total"] == pytest.approx(35)


def test_monetary_value_is_the_mean_of_the_repeat_days_without_the_first() -> None:
    store = make_store(timezone="Asia/Shanghai")
    m = member("m1")
    place_order(m, store, at("2026-01-01T10:00"), "100.00")
    place_order(m, store, at("2026-01-05T10:00"), "30.00")
    place_order(m, store, at("2026-01-05T18:00"), "10.00")
    place_order(m, store, at("2026-01-15T10:00"), "50.00")
    got = row(date(2026, 1, 29), m, unit_days=7)
    assert got == {
        "frequency": 2,
        "recency": 2.0,
        "age": 4.0,
        "monetary": 45.0,
        "total": 190.0,
    }


def test_only_paid_and_kept_orders_of_members_count() -> None:
    store = make_store(timezone="Asia/Shanghai")
    m = member("m1")
    place_order(m, store, at("2026-01-01T10:00"), "100.00")
    place_order(None, store, at("2026-01-02T10:00"), "80.00")  # anonymous
    for day, status in enumerate(
        (Order.Status.PENDING, Order.Status.CANCELLED, Order.Status.REFUNDED), start=3
    ):
        place_order(m, store, at(f"2026-01-0{day}T10:00"), "80.00", status=status)
    place_order(m, store, at("2026-01-06T10:00"), "80.00", refunded="80.00")  # refunded in full
    place_order(m, store, at("2026-01-07T10:00"), "80.00", refunded="30.00")  # in part: 50 kept
    place_order(m, store, at("2026-01-08T10:00"), "0.00")  # free (points): still a visit
    for day, status in enumerate(
        (Order.Status.PAID, Order.Status.READY, Order.Status.SHIPPED), start=9
    ):
        place_order(m, store, at(f"2026-01-{day:02d}T10:00"), "10.00", status=status)
    got = row(date(2026, 1, 31), m)
    assert got is not None
    assert (got["frequency"], got["recency"], got["age"]) == (5, 10, 30)
    assert got["monetary"] == pytest.approx((50 + 0 + 30) / 5)
    assert got["total"] == pytest.approx(180)
    assert len(clv_summaries(as_of=date(2026, 1, 31)).member_ids) == 1


def test_a_date_as_of_runs_through_the_end_of_that_local_day() -> None:
    ny = make_store(timezone="America/New_York")
    m = member("m1")
    place_order(m, ny, at("2026-03-01T12:00", NY), "10.00")
    place_order(m, ny, at("2026-03-20T23:59", NY), "20.00")  # on as_of: recency equals age
    place_order(m, ny, at("2026-03-21T00:01", NY), "40.00")  # the day after: not counted
    assert row(date(2026, 3, 20), m) == {
        "frequency": 1,
        "recency": 19,
        "age": 19,
        "monetary": 20.0,
        "total": 30.0,
    }
    assert row(date(2026, 2, 28), m) is None


def test_an_instant_as_of_counts_purchases_before_it() -> None:
    store = make_store(timezone="Asia/Shanghai")
    m = member("m1")
    place_order(m, store, at("2026-03-01T12:00"), "10.00")
    place_order(m, store, at("2026-03-20T09:00"), "20.00")
    place_order(m, store, at("2026-03-20T15:00"), "40.00")
    got = row(at("2026-03-20T12:00"), m)
    assert got is not None
    assert (got["frequency"], got["recency"], got["age"], got["total"]) == (1, 19, 19, 30)
    # Midnight starting the 21st closes the 20th, like the date 2026-03-20.
    assert row(at("2026-03-21T00:00"), m) == row(date(2026, 3, 20), m)
