"""The Points pages: who sees what, policy and rule edits (audited), adjustments asked for on a
member's page and approved by someone else."""

from __future__ import annotations

import pytest

from omniloop.accounts.models import Role
from omniloop.audit.models import AuditEvent
from omniloop.loyalty.models import EarnRule, PointsAdjustment, PointsPolicy
from omniloop.loyalty.selectors import points_balance
from omniloop.loyalty.services import points_earn
from tests.factories import make_member, make_store, make_user

pytestmark = pytest.mark.django_db


def _login(client, role, store=None):
    user = make_user(role, store)
    client.force_login(user)
    return user


def test_hq_edits_the_policy_and_it_is_audited(client):
    _login(client, Role.HQ_ADMIN)
    r = client.get("/dashboard/points/")
    assert r.status_code == 200 and b"points-policy-form" in r.content
    r = client.post(
        "/dashboard/points/policy/",
        {
            "earn_per_yuan": "2",
            "redeem_points_per_yuan": "50",
            "redeem_max_share_pct": "30",
            "tier_metric": "spend",
            "tier_window_days": "365",
            "tier_thresholds": '{"silver": 1000, "gold": 5000}',
        },
    )
    assert r.status_code == 302
    policy = PointsPolicy.objects.get()
    assert (policy.earn_per_yuan, policy.redeem_points_per_yuan, policy.tier_thresholds) == (
        2,
        50,
        {"silver": 1000, "gold": 5000},
    )
    assert AuditEvent.objects.filter(action="points.policy_update").count() == 1


def test_a_bad_ladder_is_refused_with_the_reason_and_nothing_changes(client):
    _login(client, Role.HQ_ADMIN)
    r = client.post(
        "/dashboard/points/policy/",
        {
            "earn_per_yuan": "1",
            "redeem_points_per_yuan": "100",
            "redeem_max_share_pct": "50",
            "tier_metric": "points_earned",
            "tier_window_days": "365",
            "tier_thresholds": '{"silver": 5000, "gold": 1000}',
        },
    )
    assert r.status_code == 422
    assert b"Each tier must need more" in r.content
    assert not PointsPolicy.objects.filter(tier_thresholds__has_key="silver").exists()


def test_a_marketer_adds_rules_but_cannot_edit_the_policy(client):
    _login(client, Role.MARKETER)
    r = client.post(
        "/dashboard/points/rules/new/",
        {
            "name": "双倍积分周",
            "kind": "multiplier",
            "multiplier": "2",
            "bonus_points": "0",
            "min_spend": "0",
        },
    )
    assert r.status_code == 302
    assert EarnRule.objects.get().multiplier == 2
    assert client.post("/dashboard/points/policy/", {}).status_code == 403
    page = client.get("/dashboard/points/")
    assert b"pending-adjustments" not in page.content  # not an approver


def test_store_staff_cannot_open_the_points_page(client):
    _login(client, Role.STORE_MANAGER, make_store("sh01"))
    assert client.get("/dashboard/points/").status_code == 403


def test_an_adjustment_asked_on_a_member_page_posts_when_another_approves(client):
    from omniloop.attribution.services import binding_touch

    store = make_store("sh01")
    member = make_member()
    binding_touch(member=member, store_id=store.pk, assistant_id=None, source="scan")
    points_earn(member=member, points=10, reference="seed")
    manager = _login(client, Role.STORE_MANAGER, store)
    r = client.post(
        f"/dashboard/members/{member.pk}/points-adjust/", {"points": "50", "reason": "补录小票"}
    )
    assert r.status_code == 302
    adjustment = PointsAdjustment.objects.get()
    assert adjustment.requested_by == manager and points_balance(member_id=member.pk) == 10
    _login(client, Role.CS_AGENT)
    page = client.get("/dashboard/points/")
    assert "补录小票" in page.content.decode()
    r = client.post(
        f"/dashboard/points/adjustments/{adjustment.pk}/decide/", {"decision": "approve"}
    )
    assert r.status_code == 302
    assert points_balance(member_id=member.pk) == 60
    assert AuditEvent.objects.filter(action="points.adjustment_approve").count() == 1
