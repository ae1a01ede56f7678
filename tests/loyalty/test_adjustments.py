"""Manual adjustments: a reason, a requester and a different approver who is not store staff."""

from __future__ import annotations

import pytest

from omniloop.accounts.access import actor_for_user
from omniloop.accounts.models import Role
from omniloop.attribution.services import binding_touch
from omniloop.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from omniloop.loyalty.adjustments import (
    points_adjustment_approve,
    points_adjustment_reject,
    points_adjustment_request,
)
from omniloop.loyalty.models import AccountKind, LedgerAccount, PointsAdjustment
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from omniloop.loyalty.values import PointsInsufficient
from tests.factories import make_member, make_store, make_user
from tests.loyalty.helpers import day, ledger_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    store = make_store()

    class Staff:
        manager = actor_for_user(make_user(Role.STORE_MANAGER, store))
        assistant = actor_for_user(make_user(Role.ASSISTANT, store))
        admin = actor_for_user(make_user(Role.HQ_ADMIN))
        agent = actor_for_user(make_user(Role.CS_AGENT))
        marketer = actor_for_user(make_user(Role.MARKETER))
        member = make_member()

    binding_touch(member=Staff.member, store_id=store.pk, assistant_id=None, source="scan")
    return Staff


def test_an_approved_credit_posts_against_the_adjustment_account(staff):
    asked = points_adjustment_request(
        actor=staff.manager, member_id=staff.member.pk, points=200, reason="Lost receipt"
    )
    assert points_balance(member_id=staff.member.pk) == 0  # nothing moves before approval

    done = points_adjustment_approve(actor=staff.agent, adjustment_id=asked.pk, at=day(1))

    assert (done.reference, done.kind, done.points) == (f"adjust:{asked.pk}", "adjust", 200)
    assert points_balance(member_id=staff.member.pk) == 200
    assert LedgerAccount.objects.get(kind=AccountKind.ADJUSTMENT).balance == -200
    asked.refresh_from_db()
    assert asked.state == PointsAdjustment.State.APPROVED
    assert asked.decided_by_id == staff.agent.user_id
    assert asked.transaction_id == done.transaction_id
    assert asked.reason == "Lost receipt"


def test_an_approved_debit_takes_from_lots_and_cannot_overdraw(staff):
    points_earn(member=staff.member, points=30, reference="e1", at=day(0))
    too_much = points_adjustment_request(
        actor=staff.admin, member_id=staff.member.pk, points=-31, reason="Duplicate sale"
    )
    before = ledger_counts()

    with pytest.raises(PointsInsufficient):
        points_adjustment_approve(actor=staff.agent, adjustment_id=too_much.pk, at=day(1))

    assert ledger_counts() == before
    too_much.refresh_from_db()
    assert too_much.state == PointsAdjustment.State.PENDING
    fine = points_adjustment_request(
        actor=staff.admin, member_id=staff.member.pk, points=-30, reason="Duplicate sale"
    )
    points_adjustment_approve(actor=staff.agent, adjustment_id=fine.pk, at=day(1))
    assert points_balance(member_id=staff.member.pk) == 0
    assert LedgerAccount.objects.get(kind=AccountKind.ADJUSTMENT).balance == 30


def test_nobody_approves_their_own_adjustment(staff):
    asked = points_adjustment_request(
        actor=staff.admin, member_id=staff.member.pk, points=10, reason="Goodwill"
    )
    with pytest.raises(PermissionDenied) as err:
        points_adjustment_approve(actor=staff.admin, adjustment_id=asked.pk)
    assert err.value.code == "points_adjustment_own"
    assert ledger_counts() == (0, 0, 0, 0)


@pytest.mark.parametrize("who", ["manager", "assistant", "marketer"])
def test_store_staff_and_marketers_cannot_approve(staff, who):
    asked = points_adjustment_request(
        actor=staff.agent, member_id=staff.member.pk, points=10, reason="Goodwill"
    )
    with pytest.raises(PermissionDenied) as err:
        points_adjustment_approve(actor=getattr(staff, who), adjustment_id=asked.pk)
    assert err.value.code == "role_forbidden"
    assert ledger_counts() == (0, 0, 0, 0)


def test_a_decided_adjustment_is_not_decided_again(staff):
    asked = points_adjustment_request(
        actor=staff.manager, member_id=staff.member.pk, points=10, reason="Goodwill"
    )
    points_adjustment_approve(actor=staff.admin, adjustment_id=asked.pk)
    with pytest.raises(Conflict) as err:
        points_adjustment_approve(actor=staff.agent, adjustment_id=asked.pk)
    assert err.value.code == "points_adjustment_decided"
    assert points_balance(member_id=staff.member.pk) == 10
    rejected = points_adjustment_request(
        actor=staff.manager, member_id=staff.member.pk, points=5, reason="Typo"
    )
    points_adjustment_reject(actor=staff.agent, adjustment_id=rejected.pk)
    with pytest.raises(Conflict):
        points_adjustment_approve(actor=staff.admin, adjustment_id=rejected.pk)
    assert points_balance(member_id=staff.member.pk) == 10


def test_a_request_needs_a_reason_points_and_a_member_the_requester_sees(staff):
    with pytest.raises(ValidationFailed) as err:
        points_adjustment_request(
            actor=staff.admin, member_id=staff.member.pk, points=5, reason=" "
        )
    assert err.value.code == "points_reason_required"
    with pytest.raises(ValidationFailed) as err:
        points_adjustment_request(
            actor=staff.admin, member_id=staff.member.pk, points=0, reason="x"
        )
    assert err.value.code == "points_invalid"
    other_store = actor_for_user(make_user(Role.STORE_MANAGER, make_store()))
    with pytest.raises(NotFound):
        points_adjustment_request(
            actor=other_store, member_id=staff.member.pk, points=5, reason="x"
        )
    with pytest.raises(NotFound):
        points_adjustment_approve(actor=staff.admin, adjustment_id=999_999)
    assert not PointsAdjustment.objects.exists()
