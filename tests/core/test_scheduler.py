"""The periodic-job scheduler: due jobs enqueued once, not-due ones left, the schedule moving on
by the interval, and the jobs the apps register."""

from __future__ import annotations

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from freezegun import freeze_time

from omniloop.campaigns.tasks import campaigns_due_task, journeys_advance_task
from omniloop.core import clock, periodic
from omniloop.core.models import PeriodicJob
from omniloop.core.periodic import periodic_jobs, register_periodic_job
from omniloop.core.scheduler import scheduler_tick
from omniloop.core.tasks import housekeeping, tasks_requeue_stale_task
from omniloop.growth.tasks import referral_rewards_task
from omniloop.inbox.tasks import inbox_escalate_task
from omniloop.insights.tasks import features_rebuild_task, segments_refresh_task
from omniloop.inventory.tasks import stock_release_expired_task
from omniloop.loyalty.tasks import points_expire_task, tiers_review_task
from omniloop.messaging.retention import messages_retention_task
from omniloop.messaging.tasks import messaging_deliver_task
from omniloop.orders.tasks import (
    orders_erase_sweep_task,
    orders_expire_unpaid_task,
    pickup_release_no_shows_task,
    refunds_resubmit_task,
)
from omniloop.promotions.coupon_tasks import coupons_release_expired_task
from omniloop.promotions.flash import flash_release_expired_task, flash_sale_claim
from omniloop.promotions.group_buy import group_buy_settle_task
from omniloop.promotions.models import FlashSaleClaim
from omniloop.settlement.tasks import settlement_backfill_task
from omniloop.touchpoints.privacy import scans_retention_task
from omniloop.wechat.retention import wechat_inbound_retention_task
from omniloop.wechat.tasks import wechat_inbound_sweep_task
from tests.core import scheduled_tasks
from tests.core.scheduled_tasks import other_probe, probe
from tests.factories import make_member
from tests.promotions.flash_helpers import make_flash_sale

pytestmark = pytest.mark.django_db

T0 = datetime.fromisoformat("2026-03-01T10:00:00+08:00")
MINUTE = timedelta(minutes=1)
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def jobs(monkeypatch):
    """Only the test jobs are registered while a test runs."""
    monkeypatch.setattr(periodic, "_jobs", {})
    scheduled_tasks.RUNS.clear()
    register_periodic_job("probe", every=MINUTE, task=probe)
    register_periodic_job("other_probe", every=timedelta(hours=1), task=other_probe)
    return periodic_jobs()


def _row(name: str) -> PeriodicJob:
    return PeriodicJob.objects.get(name=name)


def test_a_new_job_runs_at_the_first_tick_and_once(jobs):
    runs = scheduler_tick(at=T0)
    assert sorted(r.name for r in runs) == ["other_probe", "probe"]
    assert sorted(scheduled_tasks.RUNS) == ["other", "probe"]
    row = _row("probe")
    assert (row.runs, row.last_run_at, row.next_run_at) == (1, T0, T0 + MINUTE)
    assert row.last_enqueued_task == next(r.task_id for r in runs if r.name == "probe")
    # The same moment again: nothing is due, nothing is enqueued.
    assert scheduler_tick(at=T0) == []
    assert scheduler_tick(at=T0 + MINUTE - timedelta(microseconds=1)) == []
    assert len(scheduled_tasks.RUNS) == 2
    assert _row("probe").runs == 1


def test_only_the_due_job_is_enqueued(jobs):
    scheduler_tick(at=T0)
    scheduled_tasks.RUNS.clear()
    runs = scheduler_tick(at=T0 + MINUTE)
    assert [r.name for r in runs] == ["probe"]
    assert scheduled_tasks.RUNS == ["probe"]
    other = _row("other_probe")
    assert (other.runs, other.next_run_at) == (1, T0 + timedelta(hours=1))


def test_the_next_run_moves_by_the_interval_and_missed_runs_collapse(jobs):
    with freeze_time(T0):
        scheduler_tick()
        assert _row("probe").next_run_at == T0 + MINUTE
    with freeze_time(T0 + MINUTE + timedelta(seconds=7)):  # a tick that comes a little late
        (run,) = [r for r in scheduler_tick() if r.name == "probe"]
        assert run.due_at == T0 + MINUTE
        assert _row("probe").next_run_at == T0 + 2 * MINUTE  # on the grid, not now + 1 min
    with freeze_time(T0 + 10 * MINUTE + timedelta(seconds=30)):  # the scheduler was down
        scheduled_tasks.RUNS.clear()
        scheduler_tick()
        assert scheduled_tasks.RUNS == ["probe"]  # one run, not eight catch-ups
        row = _row("probe")
        assert (row.runs, row.next_run_at) == (3, T0 + 11 * MINUTE)


def test_a_shortened_interval_takes_effect_without_waiting_out_the_old_one(jobs):
    register_periodic_job("other_probe", every=timedelta(days=1), task=other_probe)
    scheduler_tick(at=T0)
    register_periodic_job("other_probe", every=MINUTE, task=other_probe)
    scheduler_tick(at=T0 + timedelta(seconds=1))
    assert _row("other_probe").next_run_at == T0 + timedelta(seconds=1) + MINUTE
    assert sorted(r.name for r in scheduler_tick(at=T0 + 2 * MINUTE)) == ["other_probe", "probe"]


def test_a_failing_enqueue_leaves_the_job_due_and_the_others_run(jobs, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("queue down")

    monkeypatch.setattr(type(probe), "enqueue", broken)
    assert scheduler_tick(at=T0) == []  # both jobs share the Task class: neither enqueued
    assert PeriodicJob.objects.filter(runs=0).count() == 2
    monkeypatch.undo()
    monkeypatch.setattr(periodic, "_jobs", jobs)
    assert len(scheduler_tick(at=T0 + timedelta(seconds=1))) == 2


@override_settings(TASKS=DB_TASKS)
def test_with_the_database_backend_the_task_row_commits_with_the_claim(jobs):
    runs = scheduler_tick(at=T0)
    assert DBTaskResult.objects.count() == 2
    stored = DBTaskResult.objects.get(task_path=probe.module_path)
    assert str(stored.id) == next(r.task_id for r in runs if r.name == "probe")
    scheduler_tick(at=T0)
    assert DBTaskResult.objects.count() == 2
    assert scheduled_tasks.RUNS == []  # queued for a worker, not run here


def test_registry_refuses_bad_names_intervals_and_a_second_owner(jobs):
    with pytest.raises(ImproperlyConfigured):
        register_periodic_job("Bad Name", every=MINUTE, task=probe)
    with pytest.raises(ImproperlyConfigured):
        register_periodic_job("fast", every=timedelta(milliseconds=10), task=probe)
    with pytest.raises(ImproperlyConfigured):
        register_periodic_job("probe", every=MINUTE, task=other_probe)
    register_periodic_job("probe", every=MINUTE, task=probe)  # the same again: fine
    assert set(periodic_jobs()) == {"probe", "other_probe"}


def test_the_command_ticks_once_and_lists(jobs):
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "Enqueued probe" in out.getvalue() and "Enqueued other_probe" in out.getvalue()
    out = StringIO()
    call_command("scheduler", "--list", stdout=out)
    assert "probe  every 0:01:00  next" in out.getvalue()


def test_the_apps_register_their_periodic_jobs():
    registered = {name: (spec.every, spec.task) for name, spec in periodic_jobs().items()}
    assert registered == {
        "flash_release_expired": (MINUTE, flash_release_expired_task),
        "group_buy_settle": (MINUTE, group_buy_settle_task),
        "coupons_release_expired": (5 * MINUTE, coupons_release_expired_task),
        "core_housekeeping": (timedelta(hours=1), housekeeping),
        "tasks_requeue_stale": (MINUTE, tasks_requeue_stale_task),
        "points_expire": (timedelta(hours=1), points_expire_task),
        "settlement_backfill": (15 * MINUTE, settlement_backfill_task),
        "tiers_review": (timedelta(days=1), tiers_review_task),
        "wechat_inbound_sweep": (5 * MINUTE, wechat_inbound_sweep_task),
        "scans_retention": (timedelta(days=1), scans_retention_task),
        "messages_retention": (timedelta(days=1), messages_retention_task),
        "growth_referral_rewards": (timedelta(hours=1), referral_rewards_task),
        "wechat_inbound_retention": (timedelta(days=1), wechat_inbound_retention_task),
        "stock_release_expired": (MINUTE, stock_release_expired_task),
        "orders_expire_unpaid": (MINUTE, orders_expire_unpaid_task),
        "pickup_release_no_shows": (timedelta(hours=1), pickup_release_no_shows_task),
        "refunds_resubmit": (5 * MINUTE, refunds_resubmit_task),
        "orders_erase_sweep": (timedelta(days=1), orders_erase_sweep_task),
        "features_rebuild": (timedelta(days=1), features_rebuild_task),
        "segments_refresh_due": (timedelta(hours=1), segments_refresh_task),
        "inbox_escalate": (MINUTE, inbox_escalate_task),
        "messaging_deliver": (MINUTE, messaging_deliver_task),
        "campaigns_due": (5 * MINUTE, campaigns_due_task),
        "journeys_advance": (MINUTE, journeys_advance_task),
    }


def test_the_promotions_jobs_do_their_work_when_the_scheduler_enqueues_them():
    """The real registry, the immediate backend: a tick runs each sweep."""
    sale = make_flash_sale(stock=3)
    claim = flash_sale_claim(flash_sale_id=sale.pk, member_id=make_member().pk, quantity=1)
    later = clock.now() + timedelta(minutes=sale.hold_minutes + 1)
    with freeze_time(later):
        names = {r.name for r in scheduler_tick()}
    assert {"flash_release_expired", "group_buy_settle", "coupons_release_expired"} <= names
    assert FlashSaleClaim.objects.get(pk=claim.claim_id).state == FlashSaleClaim.State.RELEASED
    sale.refresh_from_db()
    assert sale.stock_left == 3
