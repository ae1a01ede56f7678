"""The growth dashboard pages: who reaches them, what they change and audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from omniloop.accounts.models import Role, User
from omniloop.audit.models import AuditEvent
from omniloop.core import clock
from omniloop.growth.employees import employee_code_for
from omniloop.growth.models import EmployeeCode, Lottery, ReferralProgram
from tests.factories import make_store, make_user
from tests.promotions.coupon_helpers import make_template

pytestmark = pytest.mark.django_db


def _as(role: str, store=None) -> tuple[Client, User]:
    user = make_user(role, store)
    c = Client()
    c.force_login(user)
    return c, user


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def test_a_marketer_creates_a_lottery_and_draws_it_once_both_audited():
    c, _ = _as(Role.MARKETER)
    template = make_template(name="一等奖")
    now = clock.now()
    bad = c.post(
        "/dashboard/growth/lotteries/",
        {
            "title": "x",
            "coupon_template": template.pk,
            "winners": 0,
            "opens_at": _local(now),
            "closes_at": _local(now + timedelta(days=1)),
        },
    )
    assert bad.status_code == 422 and Lottery.objects.count() == 0
    created = c.post(
        "/dashboard/growth/lotteries/",
        {
            "title": "开业抽奖",
            "coupon_template": template.pk,
            "winners": 2,
            "opens_at": _local(now),
            "closes_at": _local(now + timedelta(minutes=2)),
        },
    )
    lot = Lottery.objects.get()
    assert (
        created.status_code == 302
        and created["Location"] == f"/dashboard/growth/lotteries/{lot.pk}/"
    )
    assert AuditEvent.objects.filter(action="lottery.create", target_id=str(lot.pk)).count() == 1
    page = c.get(f"/dashboard/growth/lotteries/{lot.pk}/").content.decode()
    assert lot.seed_hash in page and "<svg" in page
    # Too early: refused, nothing drawn, nothing audited.
    c.post(f"/dashboard/growth/lotteries/{lot.pk}/draw/")
    lot.refresh_from_db()
    assert lot.status == "open"
    Lottery.objects.filter(pk=lot.pk).update(
        opens_at=now - timedelta(hours=2), closes_at=now - timedelta(minutes=1)
    )
    c.post(f"/dashboard/growth/lotteries/{lot.pk}/draw/")
    c.post(f"/dashboard/growth/lotteries/{lot.pk}/draw/")
    lot.refresh_from_db()
    assert lot.status == "drawn"
    assert AuditEvent.objects.filter(action="lottery.draw").count() == 1
    assert (
        'data-testid="verification"'
        in c.get(f"/dashboard/growth/lotteries/{lot.pk}/").content.decode()
    )


def test_referral_rules_are_saved_audited_and_bad_input_refused():
    c, _ = _as(Role.HQ_ADMIN)
    assert c.get("/dashboard/growth/referrals/").status_code == 200
    fields = {
        "active": "on",
        "referrer_points": 300,
        "referee_points": 20,
        "cooling_days": 14,
        "monthly_cap": 5,
        "link_days": 30,
    }
    assert (
        c.post("/dashboard/growth/referrals/rules/", {**fields, "monthly_cap": -1}).status_code
        == 422
    )
    assert not ReferralProgram.objects.filter(referrer_points=300).exists()
    assert c.post("/dashboard/growth/referrals/rules/", fields).status_code == 302
    program = ReferralProgram.objects.get(pk=1)
    assert (program.referrer_points, program.cooling_days, program.monthly_cap) == (300, 14, 5)
    assert AuditEvent.objects.filter(action="referral_program.update").count() == 1


def test_growth_pages_refuse_store_staff_and_every_role_has_its_own_code():
    store = make_store()
    c, assistant = _as(Role.ASSISTANT, store)
    assert c.get("/dashboard/growth/lotteries/").status_code == 403
    assert c.get("/dashboard/growth/referrals/").status_code == 403
    page = c.get("/dashboard/growth/my-code/")
    assert page.status_code == 200
    code = EmployeeCode.objects.get(employee=assistant)
    assert code.touchpoint.scene in page.content.decode()
    assert c.get("/dashboard/growth/my-code.png")["Content-Type"] == "image/png"


def test_a_store_manager_sees_only_their_stores_employee_codes():
    a, b = make_store(), make_store()
    mine = make_user(Role.ASSISTANT, a)
    theirs = make_user(Role.ASSISTANT, b)
    employee_code_for(employee=mine)
    employee_code_for(employee=theirs)
    c, _ = _as(Role.STORE_MANAGER, a)
    html = c.get("/dashboard/growth/employees/").content.decode()
    assert (mine.display_name in html, theirs.display_name in html) == (True, False)
