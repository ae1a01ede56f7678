"""Orders tell settlement and member features what happened (orders.events): a till sale and a
paid online order are settled and counted at once, an online order earns points on payment, and
a return takes the refund back from the settlement."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.test import override_settings

from omniloop.insights.models import MemberFeatures
from omniloop.loyalty.selectors import points_balance
from omniloop.orders.online_settle import lock_order_with_payments, order_mark_paid
from omniloop.orders.returns import ReturnInput, ReturnLineInput, order_return
from omniloop.settlement.models import OrderSettlement, SettlementEntry
from tests.factories import make_member, make_product, make_store
from tests.orders.helpers import sell
from tests.orders.online_helpers import checkout, place

pytestmark = pytest.mark.django_db


def _settled(order) -> Decimal:
    return SettlementEntry.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or Decimal(0)


def test_a_till_sale_is_settled_and_counted_as_it_is_recorded():
    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 2)], total="798.00", member=member)
    assert OrderSettlement.objects.filter(order=order).count() == 1
    assert _settled(order) == Decimal("798.00")
    features = MemberFeatures.objects.get(member=member)
    assert (features.orders_total, features.spend_total) == (1, Decimal("798.00"))

    order_return(
        order_number=order.number,
        ret=ReturnInput(reference="RT-1", lines=(ReturnLineInput("JK100-M", 1),)),
    )
    assert _settled(order) == Decimal("399.00")


def test_a_paid_online_order_earns_points_and_is_settled():
    make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = place(member, checkout([("JK100-M", 1)]))
    assert not OrderSettlement.objects.filter(order=order).exists()
    before = points_balance(member_id=member.pk)
    with transaction.atomic():
        locked = lock_order_with_payments(order.pk)
        paid = order_mark_paid(order=locked, at=order.ordered_at)
    assert paid.points_earned == int(order.total - order.shipping_fee) > 0
    assert points_balance(member_id=member.pk) == before + paid.points_earned
    assert _settled(order) == order.total


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _run_worker(monkeypatch) -> None:
    """The real `db_worker` loop in batch mode; it must not close the test's connection."""
    from django.core.management import call_command
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("db_worker", batch=True, interval=0, verbosity=0)


@override_settings(TASKS=DB_TASKS)
def test_the_sale_only_enqueues_and_the_worker_settles_and_counts_it_after_commit(monkeypatch):
    """ADR 29: the till's transaction carries one task row for every listener; settlement
    and member features happen in the worker, once."""
    from django_tasks_db.models import DBTaskResult

    store = make_store("sh01")
    make_product("JK100", price="399.00")
    member = make_member()
    order = sell(store, [("JK100-M", 1)], total="399.00", member=member)
    assert not OrderSettlement.objects.filter(order=order).exists()
    assert not MemberFeatures.objects.filter(member=member).exists()
    tasks = DBTaskResult.objects.filter(task_path__endswith="order_event_task")
    assert [t.args_kwargs["args"] for t in tasks] == [["paid", {"order_id": order.pk}]]
    _run_worker(monkeypatch)
    assert _settled(order) == Decimal("399.00")
    assert MemberFeatures.objects.get(member=member).orders_total == 1
    assert tasks.get().status == "SUCCESSFUL"
    _run_worker(monkeypatch)  # nothing left to run, nothing counted twice
    assert _settled(order) == Decimal("399.00")
    assert OrderSettlement.objects.filter(order=order).count() == 1


@override_settings(TASKS=DB_TASKS)
def test_a_rolled_back_sale_leaves_no_event():
    from django_tasks_db.models import DBTaskResult

    store = make_store("sh01")
    make_product("JK100", price="399.00")
    with pytest.raises(RuntimeError), transaction.atomic():
        sell(store, [("JK100-M", 1)], total="399.00")
        raise RuntimeError("the till's caller failed after recording")
    assert not DBTaskResult.objects.exists()


def test_a_failing_listener_does_not_stop_the_others_and_fails_the_event(monkeypatch):
    from omniloop.orders import events

    seen: list[int] = []
    monkeypatch.setitem(events._paid, "a_broken", lambda order_id: 1 / 0)
    monkeypatch.setitem(events._paid, "z_seen", seen.append)
    with pytest.raises(events.OrderListenersFailed, match="a_broken"):
        events.order_event_dispatch("paid", {"order_id": 7})
    assert seen == [7]
