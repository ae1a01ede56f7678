"""The points ledger under real concurrency on PostgreSQL: parallel connections released at once.
A member's balance never goes below zero however many spend it together, and one reference
posts once however many submit it."""

from __future__ import annotations

import pytest

from omniloop.loyalty.models import LedgerTransaction
from omniloop.loyalty.selectors import ledger_audit, points_balance
from omniloop.loyalty.services import points_burn, points_earn
from omniloop.loyalty.values import PostedTransaction
from tests.concurrency.helpers import outcomes, run_at_once
from tests.factories import make_member

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _posted(result: PostedTransaction) -> str:
    return "replayed" if result.replayed else "ok"


def test_twenty_requests_spending_the_whole_balance_one_succeeds():
    member = make_member()
    points_earn(member=member, points=60, reference="e1")
    points_earn(member=member, points=40, reference="e2")

    results = run_at_once(
        20, lambda i: points_burn(member=member, points=100, reference=f"redeem:{i}")
    )

    assert outcomes(results, _posted) == {"ok": 1, "points_insufficient": 19}
    assert points_balance(member_id=member.pk) == 0
    assert LedgerTransaction.objects.filter(kind="burn").count() == 1
    assert ledger_audit() == []


def test_twenty_submissions_of_one_reference_post_once():
    member = make_member()
    points_earn(member=member, points=100, reference="e1")

    results = run_at_once(20, lambda _: points_burn(member=member, points=30, reference="redeem:x"))

    assert outcomes(results, _posted) == {"ok": 1, "replayed": 19}
    assert points_balance(member_id=member.pk) == 70
    assert ledger_audit() == []


def test_twenty_members_earning_at_once_share_the_brand_accounts_without_loss():
    members = [make_member() for _ in range(20)]
    points_earn(member=members[0], points=1, reference="warm-up")  # brand account exists

    results = run_at_once(
        20, lambda i: points_earn(member=members[i], points=10 + i, reference=f"sale:{i}")
    )

    assert outcomes(results, _posted) == {"ok": 20}
    assert [points_balance(member_id=m.pk) for m in members] == [
        10 + i + (1 if i == 0 else 0) for i in range(20)
    ]
    assert ledger_audit() == []
