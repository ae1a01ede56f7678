"""Recurring and triggered campaigns (ADR 35): runs in the brand's time zone, each run frozen
with its own segment version and entering only members not treated before (or everyone, per
run); triggers enter a member once per occasion with the group of the stable hash, frozen at
entry; the report compares entrants over their own windows."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from freezegun import freeze_time

from omniloop.campaigns.models import Campaign, CampaignMember, CampaignRun
from omniloop.campaigns.report import campaign_figures, campaigns_due
from omniloop.campaigns.schedules import (
    campaign_run,
    campaigns_schedules_due,
    next_run_after,
    on_order_paid,
)
from omniloop.campaigns.services import assign_groups, campaign_draft, campaign_launch
from omniloop.core import clock
from omniloop.insights.features import features_rebuild
from omniloop.insights.services import segment_save
from omniloop.members.models import Member
from omniloop.orders.models import Order, OrderStatusChange
from omniloop.touchpoints.models import ScanEvent
from tests.campaigns.helpers import actors, approved, make_members, order
from tests.factories import make_touchpoint
from tests.promotions.coupon_helpers import till_channel

pytestmark = pytest.mark.django_db
SH = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _channel() -> None:
    till_channel()


def _running(**fields) -> Campaign:
    fields.setdefault("holdout_share", Decimal("0.2"))
    return campaign_launch(campaign=approved(fields.pop("segment", None), **fields))


def test_runs_fall_at_the_brand_local_hour_daily_weekly_and_monthly():
    c = Campaign(recurrence="daily", run_hour=9, run_day=1)
    after = datetime(2026, 12, 2, 1, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))  # 09:30 in Shanghai
    assert next_run_after(c, after) == datetime(2026, 12, 3, 9, tzinfo=SH)
    c.run_hour = 10
    assert next_run_after(c, after) == datetime(2026, 12, 2, 10, tzinfo=SH)
    c.recurrence, c.run_day = "weekly", 1  # Mondays; 2026-12-02 is a Wednesday
    assert next_run_after(c, after) == datetime(2026, 12, 7, 10, tzinfo=SH)
    c.recurrence, c.run_day = "monthly", 28
    assert next_run_after(c, after) == datetime(2026, 12, 28, 10, tzinfo=SH)
    assert next_run_after(c, datetime(2026, 12, 28, 10, tzinfo=SH)) == datetime(
        2027, 1, 28, 10, tzinfo=SH
    )


def test_a_recurring_campaign_treats_new_members_only_and_freezes_each_run():
    first = make_members(30, city="上海")
    features_rebuild()
    seg = segment_save(slug="sh", name="上海", rule={"field": "city", "op": "=", "value": "上海"})
    c = _running(segment=seg, schedule="recurring", recurrence="daily", run_hour=10)
    assert c.next_run_at is not None and c.segment_version is None
    run1 = campaign_run(campaign=c, at=c.next_run_at)
    assert run1 is not None and run1.number == 1 and run1.entered == 30
    assert campaign_run(campaign=c, at=c.next_run_at) is None  # the same run never twice
    later = make_members(7, city="上海")
    features_rebuild()
    c.refresh_from_db()
    run2 = campaign_run(campaign=c, at=c.next_run_at + timedelta(minutes=1))
    assert run2 is not None and run2.entered == 7
    assert run2.segment_version_id != run1.segment_version_id
    entered = CampaignMember.objects.filter(campaign=c)
    assert sorted(entered.filter(run=run2).values_list("member_id", flat=True)) == later
    assert set(entered.filter(run=run1).values_list("member_id", flat=True)) == set(first)
    # Groups are the stable hash of each member, the same as a one-off split would give.
    ids = np.asarray(sorted(first + later), dtype=np.int64)
    expected = dict(zip(ids.tolist(), assign_groups(c, ids).tolist(), strict=True))
    assert {m: g for m, g in entered.values_list("member_id", "group")} == expected


def test_per_run_enters_everyone_again_one_entry_per_run():
    make_members(12, city="上海")
    features_rebuild()
    seg = segment_save(slug="sh2", name="上海", rule={"field": "city", "op": "=", "value": "上海"})
    c = _running(segment=seg, schedule="recurring", recurrence="weekly", run_day=3, per_run=True)
    at = c.next_run_at
    assert at is not None and at.astimezone(SH).isoweekday() == 3
    campaign_run(campaign=c, at=at)
    c.refresh_from_db()
    campaign_run(campaign=c, at=c.next_run_at)
    assert CampaignRun.objects.filter(campaign=c).count() == 2
    occasions = sorted(
        set(CampaignMember.objects.filter(campaign=c).values_list("occasion", flat=True))
    )
    assert occasions == ["run:1", "run:2"]
    assert CampaignMember.objects.filter(campaign=c).count() == 24


def test_first_purchase_enters_once_with_the_hash_group():
    (m1, _m2) = make_members(2)
    c = _running(schedule="triggered", trigger="first_purchase", holdout_share=Decimal("0.5"))
    o = order(m1, "88.00")
    on_order_paid(o.pk)
    on_order_paid(o.pk)  # a replayed event
    second = order(m1, "20.00", at=clock.now() + timedelta(minutes=5))
    on_order_paid(second.pk)  # not a first purchase
    rows = list(CampaignMember.objects.filter(campaign=c))
    assert [(r.member_id, r.occasion) for r in rows] == [(m1, "first")]
    assert rows[0].group == assign_groups(c, np.asarray([m1]))[0]
    assert rows[0].entered_at is not None and rows[0].window_until is not None
    # The sweep behind the event finds the same (and m2, who never bought, is not entered).
    assert campaigns_schedules_due()["entered"] == 0


def test_a_member_who_bought_before_the_launch_is_no_first_purchase():
    (m1,) = make_members(1)
    order(m1, "10.00", at=clock.now() - timedelta(days=3))
    c = _running(schedule="triggered", trigger="first_purchase")
    o = order(m1, "30.00")
    on_order_paid(o.pk)
    campaigns_schedules_due()
    assert not CampaignMember.objects.filter(campaign=c).exists()


def test_birthday_enters_once_a_year_on_the_brand_local_day():
    now = datetime(2026, 12, 1, 17, 0, tzinfo=zoneinfo.ZoneInfo("UTC"))  # 2 Dec 01:00 Shanghai
    (today, other, leap) = make_members(3)
    Member.objects.filter(pk=today).update(birth_date=date(1990, 12, 2))
    Member.objects.filter(pk=other).update(birth_date=date(1990, 12, 1))
    Member.objects.filter(pk=leap).update(birth_date=date(2000, 2, 29))
    c = _running(schedule="triggered", trigger="birthday")
    Campaign.objects.filter(pk=c.pk).update(launched_at=now - timedelta(days=1))
    assert campaigns_schedules_due(at=now)["entered"] == 1
    assert campaigns_schedules_due(at=now + timedelta(hours=3))["entered"] == 0
    assert list(CampaignMember.objects.filter(campaign=c).values_list("member_id", "occasion")) == [
        (today, "birthday:2026")
    ]
    # 28 February 2027 (no 29th): the leap-day member's birthday.
    feb = datetime(2027, 2, 28, 3, tzinfo=SH)
    Campaign.objects.filter(pk=c.pk).update(ends_at=None)
    assert campaigns_schedules_due(at=feb)["entered"] == 1
    assert CampaignMember.objects.filter(
        campaign=c, member_id=leap, occasion="birthday:2027"
    ).exists()


def test_lapse_enters_members_whose_recency_crosses_n_days_since_launch():
    (crossing, recent, long_gone) = make_members(3)
    now = clock.now()
    order(crossing, "50.00", at=now - timedelta(days=29, hours=12))
    order(recent, "50.00", at=now - timedelta(days=5))
    order(long_gone, "50.00", at=now - timedelta(days=200))
    features_rebuild()
    c = _running(schedule="triggered", trigger="lapse", trigger_value=30)
    assert campaigns_schedules_due(at=now)["entered"] == 0  # nobody has crossed yet
    assert campaigns_schedules_due(at=now + timedelta(days=1))["entered"] == 1
    assert list(CampaignMember.objects.filter(campaign=c).values_list("member_id", flat=True)) == [
        crossing
    ]  # the member lapsed long before the launch did not "cross" now


# Midday in Shanghai: the two scans three minutes apart must fall on the same local day (the
# occasion is the scan's date), which "now + 1 minute" does not promise just before midnight.
@freeze_time(datetime(2026, 12, 2, 12, tzinfo=SH), tick=True)
def test_a_scan_without_a_purchase_within_n_hours_enters_once_a_day():
    (scanned_only, scanned_and_bought) = make_members(2)
    c = _running(schedule="triggered", trigger="scan_no_purchase", trigger_value=2)
    tp = make_touchpoint("poster")
    at = clock.now() + timedelta(minutes=1)
    for m in (scanned_only, scanned_and_bought):
        ScanEvent.objects.create(touchpoint=tp, member_id=m, scanned_at=at)
        ScanEvent.objects.create(touchpoint=tp, member_id=m, scanned_at=at + timedelta(minutes=3))
    order(scanned_and_bought, "30.00", at=at + timedelta(hours=1))
    assert campaigns_schedules_due(at=at + timedelta(hours=1))["entered"] == 0  # not yet N hours
    assert campaigns_schedules_due(at=at + timedelta(hours=3))["entered"] == 1
    rows = list(CampaignMember.objects.filter(campaign=c).values_list("member_id", "occasion"))
    assert len(rows) == 1 and rows[0][0] == scanned_only and rows[0][1].startswith("scan:")


def test_a_pickup_ready_for_n_hours_and_not_collected_enters():
    (waiting, collected) = make_members(2)
    c = _running(schedule="triggered", trigger="pickup_uncollected", trigger_value=24)
    ready_at = clock.now() + timedelta(minutes=1)
    for m, status in ((waiting, "ready"), (collected, "completed")):
        o = order(m, "60.00")
        Order.objects.filter(pk=o.pk).update(status=status, flow="pickup", fulfilment="pickup")
        OrderStatusChange.objects.create(
            order=o, from_status="paid", to_status="ready", at=ready_at
        )
    assert campaigns_schedules_due(at=ready_at + timedelta(hours=23))["entered"] == 0
    assert campaigns_schedules_due(at=ready_at + timedelta(hours=25))["entered"] == 1
    assert CampaignMember.objects.get(campaign=c).member_id == waiting


def test_a_triggered_campaign_with_a_segment_enters_only_matching_members():
    (gold, plain) = make_members(2)
    Member.objects.filter(pk=gold).update(tier="gold")
    features_rebuild()
    seg = segment_save(slug="gold", name="金卡", rule={"field": "tier", "op": "=", "value": "gold"})
    c = _running(segment=seg, schedule="triggered", trigger="first_purchase")
    for m in (gold, plain):
        on_order_paid(order(m, "40.00").pk)
    assert list(CampaignMember.objects.filter(campaign=c).values_list("member_id", flat=True)) == [
        gold
    ]


def test_the_report_compares_entrants_over_their_own_windows():
    ids = make_members(400)
    c = _running(schedule="triggered", trigger="first_purchase", window_days=7)
    t0 = clock.now() + timedelta(minutes=1)
    for m in ids:
        on_order_paid(order(m, "10.00", at=t0).pk)  # the entering order counts
    treated = set(
        CampaignMember.objects.filter(campaign=c, group="treated").values_list(
            "member_id", flat=True
        )
    )
    for m in treated:
        order(m, "30.00", at=t0 + timedelta(days=2))  # inside the window
        order(m, "500.00", at=t0 + timedelta(days=9))  # after the entrant's window
    figures = campaign_figures(c, at=t0 + timedelta(days=20))
    assert figures["final"] is False and figures["schedule"] == "triggered"
    assert figures["revenue"]["treated_mean"] == pytest.approx(40.0)
    assert figures["revenue"]["holdout_mean"] == pytest.approx(10.0)
    assert figures["revenue"]["diff"] == pytest.approx(30.0)


def test_schedule_checks_refuse_bad_input():
    marketer, _ = actors()
    from omniloop.core.errors import ValidationFailed

    cases = [
        ({"schedule": "recurring"}, "campaign_segment_required"),
        ({"schedule": "triggered"}, "campaign_trigger_invalid"),
        ({"schedule": "triggered", "trigger": "lapse"}, "campaign_trigger_value_invalid"),
        (
            {"schedule": "triggered", "trigger": "joined", "recurrence": "daily"},
            "campaign_recurrence_invalid",
        ),
        ({"schedule": "weekly"}, "campaign_schedule_invalid"),
        ({"schedule": "one_off"}, "campaign_segment_required"),
        ({"schedule": "triggered", "trigger": "joined", "channel": "fax"}, "channel_unknown"),
    ]
    for fields, code in cases:
        with pytest.raises(ValidationFailed) as err:
            campaign_draft(actor=marketer, name="x", segment=None, **fields)
        assert err.value.code == code, fields
    assert not Campaign.objects.exists()


def test_the_periodic_job_runs_due_recurring_campaigns():
    make_members(5, city="上海")
    features_rebuild()
    seg = segment_save(slug="sh3", name="上海", rule={"field": "city", "op": "=", "value": "上海"})
    c = _running(segment=seg, schedule="recurring", recurrence="daily", run_hour=3)
    done = campaigns_due(at=c.next_run_at + timedelta(minutes=2))
    assert done["runs"] == 1 and done["entered"] == 5
    assert done["sent"] == CampaignMember.objects.filter(campaign=c, group="treated").count()
