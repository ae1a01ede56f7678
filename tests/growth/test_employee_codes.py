"""Employee referral codes: any staff user's code credits the members who join through it,
never binds them, and stops crediting when the employee is deactivated."""

from __future__ import annotations

from decimal import Decimal

import pytest

from omniloop.accounts.models import Role, User
from omniloop.attribution.models import MemberBinding
from omniloop.growth.employees import employee_code_for
from omniloop.growth.models import EmployeeRecruit
from omniloop.growth.selectors import employee_report
from omniloop.members.models import Member
from omniloop.onboarding.services import scan_visit
from omniloop.orders.returns import ReturnInput, order_return
from omniloop.touchpoints.models import ScanEvent, Touchpoint
from tests.factories import make_member, make_product, make_store, make_touchpoint, make_user
from tests.growth.helpers import browser, join
from tests.orders.helpers import sell

pytestmark = pytest.mark.django_db


def _join_through(scene: str, phone: str) -> Member:
    v = browser()
    scan_visit(scene=scene, visitor=v)
    return Member.objects.get(pk=join(phone, visitor=v, scene=scene).member_id)


def test_an_hq_marketer_gets_a_code_that_credits_joins_without_binding():
    marketer = make_user(Role.MARKETER)
    code = employee_code_for(employee=marketer)
    assert employee_code_for(employee=marketer).pk == code.pk  # one per user
    tp = code.touchpoint
    assert (tp.kind, tp.store_id, tp.assistant_id) == (Touchpoint.Kind.POSTER, None, None)
    member = _join_through(tp.scene, "13700000001")
    recruit = EmployeeRecruit.objects.get(member=member)
    assert recruit.employee_id == marketer.pk
    assert not MemberBinding.objects.filter(member=member).exists()
    assert ScanEvent.objects.filter(touchpoint=tp, member=member).count() == 1


def test_the_code_does_not_change_the_store_and_assistant_binding():
    store = make_store()
    assistant = make_user(Role.ASSISTANT, store)
    card = make_touchpoint(Touchpoint.Kind.ASSISTANT_CARD, store=store, assistant=assistant)
    manager = make_user(Role.STORE_MANAGER, store)
    code = employee_code_for(employee=manager)
    v = browser()
    scan_visit(scene=card.scene, visitor=v)  # the assistant's card first
    member = Member.objects.get(
        pk=join("13700000011", visitor=v, scene=code.touchpoint.scene).member_id
    )
    binding = MemberBinding.objects.get(member=member)
    assert (binding.store_id, binding.assistant_id) == (store.pk, assistant.pk)
    assert EmployeeRecruit.objects.get(member=member).employee_id == manager.pk


def test_an_existing_member_logging_in_through_a_code_is_not_a_recruit():
    code = employee_code_for(employee=make_user(Role.CS_AGENT))
    make_member("13700000021")
    _join_through(code.touchpoint.scene, "13700000021")
    assert EmployeeRecruit.objects.count() == 0


def test_a_deactivated_employees_code_stops_crediting():
    employee = make_user(Role.ASSISTANT)
    code = employee_code_for(employee=employee)
    _join_through(code.touchpoint.scene, "13700000031")
    User.objects.filter(pk=employee.pk).update(is_active=False)
    late = _join_through(code.touchpoint.scene, "13700000032")
    assert not EmployeeRecruit.objects.filter(member=late).exists()
    assert EmployeeRecruit.objects.filter(employee=employee).count() == 1


def test_the_report_counts_joins_first_purchases_and_net_sales():
    store = make_store()
    make_product("EM100", price="150.00")
    a, b = make_user(Role.MARKETER), make_user(Role.ASSISTANT, store)
    ca, cb = employee_code_for(employee=a), employee_code_for(employee=b)
    m1 = _join_through(ca.touchpoint.scene, "13700000041")
    m2 = _join_through(ca.touchpoint.scene, "13700000042")
    _join_through(cb.touchpoint.scene, "13700000043")
    sell(store, [("EM100-M", 2)], total="300.00", member=m1, receipt="E1")
    o2 = sell(store, [("EM100-M", 1)], total="150.00", member=m1, receipt="E2")
    sell(store, [("EM100-S", 1)], total="150.00", member=m2, receipt="E3")
    order_return(order_number=o2.number, ret=ReturnInput(reference="ER1"), store=store)
    sell(store, [("EM100-S", 1)], total="150.00", receipt="E4")  # no member
    rows = {r.employee_id: r for r in employee_report()}
    assert (rows[a.pk].joins, rows[a.pk].first_purchases, rows[a.pk].sales) == (
        2,
        2,
        Decimal("450.00"),
    )
    assert (rows[b.pk].joins, rows[b.pk].first_purchases, rows[b.pk].sales) == (
        1,
        0,
        Decimal("0.00"),
    )
    assert [r.employee_id for r in employee_report(store_id=store.pk)] == [b.pk]


def test_merge_keeps_the_survivors_recruiter_and_lottery_entry():
    from datetime import timedelta

    from omniloop.core import clock
    from omniloop.growth.lottery import LotteryInput, lottery_create, lottery_enter
    from omniloop.growth.models import LotteryEntry
    from omniloop.members.services import member_merge
    from tests.promotions.coupon_helpers import make_template

    a, b = make_user(Role.MARKETER), make_user(Role.MARKETER)
    m1 = _join_through(employee_code_for(employee=a).touchpoint.scene, "13700000051")
    m2 = _join_through(employee_code_for(employee=b).touchpoint.scene, "13700000052")
    now = clock.now()
    lot = lottery_create(
        data=LotteryInput(
            title="合并",
            coupon_template_id=make_template().pk,
            winners=1,
            opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=1),
            requires_follow=False,
        )
    )
    e1 = lottery_enter(lottery_id=lot.pk, member=m1)
    lottery_enter(lottery_id=lot.pk, member=m2)
    outcome = member_merge(survivor_id=m1.pk, merged_id=m2.pk, actor="test", reason="dup")
    assert EmployeeRecruit.objects.get(member=m1).employee_id == a.pk
    assert not EmployeeRecruit.objects.filter(member=m2).exists()
    assert list(LotteryEntry.objects.filter(lottery=lot).values_list("pk", flat=True)) == [e1.pk]
    assert outcome is not None
