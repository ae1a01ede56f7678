from __future__ import annotations

import pytest
from django.urls import reverse

from omniloop.attribution.models import BindingChange, MemberBinding
from omniloop.members.models import Member
from tests.dashboard.conftest import error_code, login
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def detail(member: Member) -> str:
    return reverse("dashboard:member_detail", args=[member.pk])


def listed(html: str, member: Member) -> bool:
    return f'href="{detail(member)}"' in html


def test_store_manager_sees_only_their_store(client, world):
    login(client, world.manager_a)
    html = client.get(reverse("dashboard:members")).content.decode()
    assert world.member_a.code in html
    assert world.member_b.code not in html
    response = client.get(detail(world.member_b))
    assert response.status_code == 404
    assert error_code(response.content.decode()) == "not_found"
    assert client.get(detail(world.member_a)).status_code == 200


def test_search_stays_in_scope(client, world):
    login(client, world.manager_a)
    html = client.get(reverse("dashboard:members"), {"q": world.member_b.code}).content.decode()
    assert not listed(html, world.member_b)
    html = client.get(reverse("dashboard:members"), {"q": "张"}).content.decode()
    assert listed(html, world.member_a)


def test_hq_sees_all(client, world):
    login(client, world.hq)
    html = client.get(reverse("dashboard:members")).content.decode()
    assert world.member_a.code in html and world.member_b.code in html
    assert client.get(detail(world.member_b)).status_code == 200


@pytest.mark.parametrize("who", ["manager_a", "assistant_a", "marketer"])
def test_phone_is_masked_in_list_and_profile(client, world, who):
    login(client, getattr(world, who))
    for url in (reverse("dashboard:members"), detail(world.member_a)):
        html = client.get(url).content.decode()
        assert "138****8001" in html
        assert world.phone_a not in html
    assert "reveal-phone" not in client.get(detail(world.member_a)).content.decode()


@pytest.mark.parametrize("who", ["manager_a", "assistant_a", "marketer"])
def test_reveal_is_forbidden_for_other_roles(client, world, who):
    login(client, getattr(world, who))
    response = client.post(reverse("dashboard:member_phone", args=[world.member_a.pk]))
    assert response.status_code == 403
    assert world.phone_a not in response.content.decode()


@pytest.mark.parametrize("who", ["hq", "cs"])
def test_reveal_shows_full_number_to_hq_admin_and_cs(client, world, who):
    login(client, getattr(world, who))
    assert "reveal-phone" in client.get(detail(world.member_a)).content.decode()
    response = client.post(
        reverse("dashboard:member_phone", args=[world.member_a.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "+86 138 0013 8001" in response.content.decode()


def test_full_phone_search_for_unmasked_roles_only(client, world):
    login(client, world.cs)
    html = client.get(reverse("dashboard:members"), {"q": world.phone_b}).content.decode()
    assert listed(html, world.member_b) and not listed(html, world.member_a)
    html = client.get(reverse("dashboard:members"), {"q": "+86 139 0013 9002"}).content.decode()
    assert listed(html, world.member_b)
    client.logout()
    login(client, world.manager_b)
    html = client.get(reverse("dashboard:members"), {"q": world.phone_b}).content.decode()
    assert not listed(html, world.member_b)


def test_my_members_filter_for_assistants(client, world):
    other = make_member(name="王五")
    from omniloop.attribution.services import binding_touch

    binding_touch(
        member=other, store_id=world.store_a.pk, assistant_id=world.assistant_a2.pk, source="scan"
    )
    login(client, world.assistant_a)
    html = client.get(reverse("dashboard:members")).content.decode()
    assert world.member_a.code in html and other.code in html
    html = client.get(reverse("dashboard:members"), {"mine": "1"}).content.decode()
    assert world.member_a.code in html and other.code not in html


def test_profile_sections(client, world):
    login(client, world.hq)
    html = client.get(detail(world.member_a)).content.decode()
    for text in (world.member_a.code, "张三", "binding-history", world.store_a.name):
        assert text in html


def test_manager_rebinds_to_own_assistant(client, world):
    login(client, world.manager_a)
    before = BindingChange.objects.filter(member=world.member_a).count()
    response = client.post(
        reverse("dashboard:member_rebind", args=[world.member_a.pk]),
        {"store": world.store_a.pk, "assistant": world.assistant_a2.pk, "reason": "moved shift"},
    )
    assert response.status_code == 302
    binding = MemberBinding.objects.get(member=world.member_a)
    assert binding.assistant_id == world.assistant_a2.pk
    change = BindingChange.objects.filter(member=world.member_a).first()
    assert BindingChange.objects.filter(member=world.member_a).count() == before + 1
    assert change.kind == "rebind" and change.reason == "moved shift"
    assert change.actor == f"user:{world.manager_a.pk}"


def test_manager_cannot_rebind_to_another_store(client, world):
    login(client, world.manager_a)
    response = client.post(
        reverse("dashboard:member_rebind", args=[world.member_a.pk]),
        {"store": world.store_b.pk, "assistant": world.assistant_b.pk, "reason": "x"},
    )
    assert response.status_code == 404
    assert MemberBinding.objects.get(member=world.member_a).store_id == world.store_a.pk


def test_manager_cannot_rebind_another_stores_member(client, world):
    login(client, world.manager_a)
    response = client.post(
        reverse("dashboard:member_rebind", args=[world.member_b.pk]),
        {"store": world.store_a.pk, "reason": "x"},
    )
    assert response.status_code == 404


def test_rebind_errors_show_their_code(client, world):
    login(client, world.hq)
    url = reverse("dashboard:member_rebind", args=[world.member_a.pk])
    response = client.post(
        url,
        {"store": world.store_b.pk, "assistant": world.assistant_a.pk, "reason": "x"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 422
    assert error_code(response.content.decode()) == "assistant_not_in_store"
    response = client.post(url, {"store": world.store_b.pk, "reason": " "}, HTTP_HX_REQUEST="true")
    assert error_code(response.content.decode()) == "rebind_reason_required"
    response = client.post(
        url, {"store": world.store_b.pk, "reason": "moved city"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and response["HX-Redirect"] == detail(world.member_a)
    assert MemberBinding.objects.get(member=world.member_a).store_id == world.store_b.pk


def test_assistant_and_cs_cannot_rebind(client, world):
    for user in (world.assistant_a, world.cs):
        client.force_login(user)
        response = client.post(
            reverse("dashboard:member_rebind", args=[world.member_a.pk]),
            {"store": world.store_a.pk, "reason": "x"},
        )
        assert response.status_code == 403


def test_hq_admin_merges(client, world):
    login(client, world.hq)
    dup = make_member(name="张三 dup")
    response = client.post(
        reverse("dashboard:member_merge", args=[world.member_a.pk]),
        {"other_code": dup.code, "reason": "same person"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-testid="merge-outcome"' in response.content.decode()
    dup.refresh_from_db()
    assert dup.status == Member.Status.MERGED and dup.merged_into_id == world.member_a.pk
    response = client.post(
        reverse("dashboard:member_merge", args=[world.member_a.pk]),
        {"other_code": "812345678901", "reason": "x"},
    )
    assert response.status_code == 404


def test_merge_is_hq_admin_only(client, world):
    login(client, world.cs)
    response = client.post(
        reverse("dashboard:member_merge", args=[world.member_a.pk]),
        {"other_code": world.member_b.code, "reason": "x"},
    )
    assert response.status_code == 403
