"""Employee referral codes (员工推广码, ADR 32).

Any staff user may have a personal code: a poster touchpoint with no store and no assistant, so
its scans are counted like any touchpoint's (the wall) but never bind a member to a store or an
assistant; the store and assistant binding rules stay attribution's. A member who joins with
that scene in the session (the join hook, `onboarding.events`) is recorded once as that
employee's recruit, unless the employee has been deactivated."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from omniloop.accounts.models import User
from omniloop.core import clock
from omniloop.growth.models import EmployeeCode, EmployeeRecruit
from omniloop.members.models import Member
from omniloop.onboarding.events import MemberJoined
from omniloop.touchpoints.models import Touchpoint
from omniloop.touchpoints.services import touchpoint_create


def employee_code_for(*, employee: User) -> EmployeeCode:
    """The staff user's code, created on first use (one per user)."""
    code = EmployeeCode.objects.select_related("touchpoint").filter(employee=employee).first()
    if code is not None:
        return code
    name = employee.display_name or employee.get_username()
    try:
        with transaction.atomic():
            tp = touchpoint_create(kind=Touchpoint.Kind.POSTER, label=f"员工推广码 · {name}"[:100])
            return EmployeeCode.objects.create(
                employee=employee, touchpoint=tp, created_at=clock.now()
            )
    except IntegrityError:  # a parallel first use created it
        return EmployeeCode.objects.select_related("touchpoint").get(employee=employee)


def employee_on_join(event: MemberJoined) -> EmployeeRecruit | None:
    """The join listener: a new member who joined through an active employee's code."""
    if not event.created or event.touchpoint_id is None:
        return None
    code = (
        EmployeeCode.objects.select_related("employee")
        .filter(touchpoint_id=event.touchpoint_id)
        .first()
    )
    if code is None or not code.employee.is_active:
        return None
    member = Member.objects.get(pk=event.member_id)
    with transaction.atomic():
        recruit, _ = EmployeeRecruit.objects.get_or_create(
            member=member,
            defaults={"employee": code.employee, "code": code, "joined_at": event.at},
        )
    return recruit
