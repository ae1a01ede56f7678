"""Every staff change, phone reveal and refusal through the dashboard leaves one audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.accounts.models import ApiToken, User
from omniloop.accounts.services import token_create
from omniloop.audit.models import AuditEvent
from omniloop.promotions.models import CouponTemplate, Offer
from tests.dashboard.conftest import login
from tests.dashboard.test_brand_settings import _post as post_brand_settings
from tests.dashboard.test_promotions import TIERED, make_offer
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def only_event(**kw) -> AuditEvent:
    return AuditEvent.objects.get(**kw)


def no_full_phone_anywhere(*phones: str) -> None:
    for row in AuditEvent.objects.values():
        text = " ".join(str(v) for v in row.values())
        for phone in phones:
            assert phone not in text and phone[-8:] not in text, row


def test_phone_reveal_is_audited_without_the_number(client, world):
    login(client, world.cs)
    response = client.post(
        reverse("dashboard:member_phone", args=[world.member_a.pk]),
        HTTP_USER_AGENT="Mozilla/5.0 (iPhone)",
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 200
    event = only_event(action="member.phone_reveal")
    assert (event.actor_user_id, event.actor_role, event.outcome) == (world.cs.pk, "cs_agent", "ok")
    assert (event.target_type, event.target_id) == ("member", str(world.member_a.pk))
    assert (event.ip, event.user_agent) == ("198.51.100.7", "Mozilla/5.0 (iPhone)")
    no_full_phone_anywhere(world.phone_a, world.phone_b)


def test_refused_phone_reveal_is_audited_as_denied(client, world):
    login(client, world.marketer)
    assert (
        client.post(reverse("dashboard:member_phone", args=[world.member_a.pk])).status_code == 403
    )
    event = only_event()
    assert (event.action, event.outcome, event.code) == (
        "dashboard.denied",
        "denied",
        "role_forbidden",
    )
    assert (event.target_type, event.target_id) == ("dashboard_view", "dashboard:member_phone")
    assert event.actor_user_id == world.marketer.pk


def test_another_stores_member_is_audited_as_denied(client, world):
    login(client, world.manager_a)
    response = client.get(reverse("dashboard:member_detail", args=[world.member_b.pk]))
    assert response.status_code == 404
    event = only_event()
    assert (event.action, event.outcome, event.code) == (
        "dashboard.denied",
        "denied",
        "not_found",
    )
    assert event.summary == f"GET /dashboard/members/{world.member_b.pk}/"


def test_allowed_pages_write_nothing(client, world):
    login(client, world.hq)
    assert client.get(reverse("dashboard:members")).status_code == 200
    assert (
        client.get(reverse("dashboard:member_detail", args=[world.member_a.pk])).status_code == 200
    )
    assert not AuditEvent.objects.exists()


def test_rebind_and_merge(client, world):
    login(client, world.manager_a)
    client.post(
        reverse("dashboard:member_rebind", args=[world.member_a.pk]),
        {"store": world.store_a.pk, "assistant": world.assistant_a2.pk, "reason": "13800138001"},
    )
    event = only_event(action="member.rebind")
    assert event.summary == f"store={world.store_a.pk} assistant={world.assistant_a2.pk}"
    login(client, world.hq)
    dup = make_member(name="张三 dup")
    client.post(
        reverse("dashboard:member_merge", args=[world.member_a.pk]),
        {"other_code": dup.code, "reason": "same person"},
    )
    event = only_event(action="member.merge")
    assert (event.target_id, event.summary) == (str(world.member_a.pk), f"merged={dup.pk}")
    no_full_phone_anywhere(world.phone_a, world.phone_b)


def test_brand_settings_names_the_changed_fields(client, world):
    login(client, world.hq)
    assert post_brand_settings(client).status_code == 302
    event = only_event(action="brand.settings_update")
    assert event.summary.startswith("changed: ") and "welcome_points" in event.summary
    # A refused form changes nothing and records nothing.
    assert post_brand_settings(client, welcome_points="-1").status_code == 422
    assert AuditEvent.objects.count() == 1


def test_offer_changes(client, world):
    login(client, world.marketer)
    client.post(reverse("dashboard:offer_create"), {**TIERED, "all_products": "on"})
    offer = Offer.objects.get()
    client.post(reverse("dashboard:offer_edit", args=[offer.pk]), {**TIERED, "all_products": "on"})
    for action in ("activate", "pause", "duplicate", "end"):
        assert client.post(reverse(f"dashboard:offer_{action}", args=[offer.pk])).status_code == 302
    actions = list(
        AuditEvent.objects.filter(target_type="offer")
        .order_by("pk")
        .values_list("action", "target_id")
    )
    copy = Offer.objects.latest("pk")
    assert actions == [
        ("offer.create", str(offer.pk)),
        ("offer.update", str(offer.pk)),
        ("offer.activate", str(offer.pk)),
        ("offer.pause", str(offer.pk)),
        ("offer.duplicate", str(copy.pk)),
        ("offer.end", str(offer.pk)),
    ]
    assert AuditEvent.objects.get(action="offer.end").summary == "kind=threshold status=ended"
    # A refused change (ending twice is a conflict) records nothing more.
    assert client.post(reverse("dashboard:offer_end", args=[offer.pk])).status_code == 409
    assert AuditEvent.objects.count() == 6


def test_coupon_template_changes(client, world):
    offer = make_offer(coupon_only=True, kind="amount_off", params={"amount": 2000})
    login(client, world.marketer)
    form = {
        "name": "新人券",
        "offer": offer.pk,
        "code_kind": "unique",
        "per_member_limit": "1",
        "issue_limit": "2",
        "valid_days": "30",
        "restore_on_return": "on",
        "reserve_minutes": "15",
    }
    assert client.post(reverse("dashboard:coupon_template_create"), form).status_code == 302
    template = CouponTemplate.objects.get()
    edit = reverse("dashboard:coupon_template_edit", args=[template.pk])
    assert client.post(edit, {**form, "name": "春季券"}).status_code == 302
    for action in ("deactivate", "reactivate", "retire"):
        url = reverse(f"dashboard:coupon_template_{action}", args=[template.pk])
        assert client.post(url).status_code == 302
    actions = list(
        AuditEvent.objects.filter(target_type="coupon_template", target_id=str(template.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "coupon_template.create",
        "coupon_template.update",
        "coupon_template.deactivate",
        "coupon_template.reactivate",
        "coupon_template.retire",
    ]
    assert AuditEvent.objects.get(action="coupon_template.retire").summary == "voided=0"


def test_tokens_and_staff(client, world):
    login(client, world.hq)
    client.post(
        reverse("dashboard:token_create"),
        {"name": "Till 1", "kind": "till", "store": world.store_a.pk},
    )
    token = ApiToken.objects.get(name="Till 1")
    event = only_event(action="api_token.create")
    assert (event.target_id, event.summary) == (
        str(token.pk),
        f"kind=till store={world.store_a.pk} role=- scopes={','.join(token.scopes)} "
        f"expires={token.expires_at:%Y-%m-%d}",
    )
    other = token_create(name="CRM", role="marketer").token
    client.post(reverse("dashboard:token_revoke", args=[other.pk]))
    assert only_event(action="api_token.revoke").target_id == str(other.pk)
    client.post(
        reverse("dashboard:staff_create"),
        {
            "username": "newbie",
            "password": "a-long-enough-pass-9",
            "role": "assistant",
            "store": world.store_a.pk,
            "display_name": "New",
            "staff_code": "A90001",
        },
    )
    user = User.objects.get(username="newbie")
    event = only_event(action="staff.create")
    assert (event.target_id, event.summary) == (
        str(user.pk),
        f"role=assistant store={world.store_a.pk}",
    )
    # Nothing secret leaves in the trail either.
    assert not AuditEvent.objects.filter(summary__contains="olt_").exists()
